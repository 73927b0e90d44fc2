import { Command } from '@nestjs/cqrs';
import type { WriteContext } from '../../../audit/write-context.js';
import type { NewProduct, Product } from '../../domain/product.js';

export class CreateProductCommand extends Command<Product> {
  constructor(
    readonly input: NewProduct,
    readonly context: WriteContext,
  ) {
    super();
  }
}
