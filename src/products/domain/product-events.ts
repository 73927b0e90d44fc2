import type { Product, ProductPatch, StockMovement } from './product.js';

/**
 * What happened to a product. Every event carries the product as it is right after it (`product`, with its new
 * version), so that a read model can take the newest state it has seen and ignore older ones: projecting is then
 * idempotent and indifferent to the order in which events arrive.
 */
export type ProductEvent = ProductCreated | ProductUpdated | ProductDeleted | StockAdjusted;

export interface ProductCreated {
  type: 'ProductCreated';
  product: Product;
}

export interface ProductUpdated {
  type: 'ProductUpdated';
  product: Product;
  /** The new values of the fields that changed. */
  changed: ProductPatch;
}

/** `product` is the last state, with the version and time of the deletion. */
export interface ProductDeleted {
  type: 'ProductDeleted';
  product: Product;
}

export interface StockAdjusted {
  type: 'StockAdjusted';
  product: Product;
  movement: StockMovement;
}
