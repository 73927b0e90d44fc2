import type { Product, ProductPatch } from '../domain/product.js';

/** On the EventBus once the change has committed (the outbox relay publishes it). */
export class ProductUpdatedEvent {
  constructor(
    readonly product: Product,
    readonly changed: ProductPatch,
  ) {}
}
