import type { Product } from '../domain/product.js';

/** On the EventBus once the deletion has committed (the outbox relay publishes it). `product`: its last state. */
export class ProductDeletedEvent {
  constructor(readonly product: Product) {}
}
