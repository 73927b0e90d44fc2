/** The product as the write side knows it. Plain data: rules below are functions of it, testable without Nest or SQL. */
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

export interface NewProduct {
  sku: string;
  name: string;
  description?: string | null;
  priceCents: number;
  currency: string;
}

export function createProduct(input: NewProduct, ownerId: string, id: string, now: Date): Product {
  return {
    id,
    sku: input.sku,
    name: input.name,
    description: input.description ?? null,
    priceCents: input.priceCents,
    currency: input.currency,
    stockOnHand: 0,
    version: 1,
    ownerId,
    createdAt: now,
    updatedAt: now,
  };
}
