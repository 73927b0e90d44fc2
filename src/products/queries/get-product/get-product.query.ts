import { Query } from '@nestjs/cqrs';
import { Cacheable } from '../../../caching/cacheable.decorator.js';
import type { Product } from '../../domain/product.js';

@Cacheable<GetProductQuery>({ dependsOn: (q) => [['product', q.id]] })
export class GetProductQuery extends Query<Product | null> {
  constructor(readonly id: string) {
    super();
  }
}
