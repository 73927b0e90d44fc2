import type { Product } from '../domain/product.js';

/** On the EventBus once the creating transaction has committed (the outbox relay publishes it). */
export class ProductCreatedEvent {
  constructor(readonly product: Product) {}
}
