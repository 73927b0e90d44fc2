import type { Product, StockMovement } from '../domain/product.js';

/** On the EventBus once the adjustment has committed (the outbox relay publishes it). */
export class StockAdjustedEvent {
  constructor(
    readonly product: Product,
    readonly movement: StockMovement,
  ) {}
}
