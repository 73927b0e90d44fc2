import { Command } from '@nestjs/cqrs';
import type { WriteContext } from '../../../audit/write-context.js';
import type { Product, ProductPatch } from '../../domain/product.js';
import type { Preconditions } from '../../domain/product-decider.js';

export class UpdateProductCommand extends Command<Product> {
  constructor(
    readonly id: string,
    readonly patch: ProductPatch,
    /** From If-Match and If-None-Match. */
    readonly preconditions: Preconditions,
    readonly context: WriteContext,
  ) {
    super();
  }
}
