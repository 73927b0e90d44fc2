import type { Product } from '../domain/product.js';

/** Published after the creating transaction has committed. */
export class ProductCreatedEvent {
  constructor(readonly product: Product) {}
}
