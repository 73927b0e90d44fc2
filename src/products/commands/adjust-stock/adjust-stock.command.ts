import { Command } from '@nestjs/cqrs';
import type { WriteContext } from '../../../audit/write-context.js';
import type { Product, StockMovement } from '../../domain/product.js';
import type { Preconditions } from '../../domain/product-decider.js';

export interface StockAdjustment {
  movement: StockMovement;
  product: Product;
}

export class AdjustStockCommand extends Command<StockAdjustment> {
  constructor(
    readonly productId: string,
    readonly delta: number,
    readonly reason: string,
    /** From If-Match and If-None-Match: a count made against a version the client read. */
    readonly preconditions: Preconditions,
    readonly context: WriteContext,
  ) {
    super();
  }
}
