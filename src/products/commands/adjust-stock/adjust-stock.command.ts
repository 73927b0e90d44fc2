import { Command } from '@nestjs/cqrs';
import type { WriteContext } from '../../../audit/write-context.js';
import type { Product, StockMovement } from '../../domain/product.js';

export interface StockAdjustment {
  movement: StockMovement;
  product: Product;
}

export class AdjustStockCommand extends Command<StockAdjustment> {
  constructor(
    readonly productId: string,
    readonly delta: number,
    readonly reason: string,
    readonly context: WriteContext,
  ) {
    super();
  }
}
