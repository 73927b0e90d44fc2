import { Scope } from '../../auth/scopes.js';

/** The product as the write side knows it. Plain data: the rules (product-decider.ts) are functions of it. */
export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  priceCents: number;
  currency: string;
  stockOnHand: number;
  version: number;
  ownerId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields an audit event compares, in the order a reader expects them. */
export const AUDITED_PRODUCT_FIELDS = ['sku', 'name', 'description', 'priceCents', 'currency', 'stockOnHand', 'ownerId'] as const;

/** What a client may set: on create (sku, name, priceCents and currency required) and on change (any of them). */
export const EDITABLE_PRODUCT_FIELDS = ['sku', 'name', 'description', 'priceCents', 'currency'] as const;
export type EditableProductField = (typeof EDITABLE_PRODUCT_FIELDS)[number];

export interface NewProduct {
  sku: string;
  name: string;
  description?: string | null;
  priceCents: number;
  currency: string;
}

export type ProductPatch = Partial<Pick<Product, EditableProductField>>;

/** One change of stock, as the stock-movements list shows it. */
export interface StockMovement {
  id: string;
  productId: string;
  delta: number;
  reason: string;
  /** Stock on hand right after this movement. */
  stockAfter: number;
  occurredAt: Date;
}

/** Who issues a command, as far as the rules care. */
export interface Actor {
  sub: string;
  scopes: ReadonlySet<string>;
}

/** Object-level authorization (OWASP API1): a product is changed or deleted by its owner or an admin, nobody else. */
export function canManage(product: Pick<Product, 'ownerId'>, actor: Actor): boolean {
  return product.ownerId === actor.sub || actor.scopes.has(Scope.ProductsAdmin);
}

/**
 * The next timestamp of a product: never before the previous one, even with a clock that stepped back or two changes
 * in one millisecond, so that ordering a product's movements by time is ordering them by version.
 */
export function nextTimestamp(previous: Date, now: Date): Date {
  return now.getTime() > previous.getTime() ? now : new Date(previous.getTime() + 1);
}
