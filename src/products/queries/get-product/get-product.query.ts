import { Query } from '@nestjs/cqrs';
import type { Product } from '../../domain/product.js';

export class GetProductQuery extends Query<Product | null> {
  constructor(readonly id: string) {
    super();
  }
}
