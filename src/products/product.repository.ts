import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Product } from './domain/product.js';
import type { ProductEvent } from './domain/product-events.js';

// Plain SQL rather than TypeORM's query builder: these run in every write, where building the statement cost more CPU
// than sending it. The statements are exported for the bench's baseline, which sends the same ones.

export const SELECT_PRODUCT_FOR_UPDATE = `SELECT id, sku, name, description, price_cents AS "priceCents", currency,
  stock_on_hand AS "stockOnHand", version, owner_id AS "ownerId", created_at AS "createdAt", updated_at AS "updatedAt"
  FROM products WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`;

export const INSERT_PRODUCT = `INSERT INTO products (id, sku, name, description, price_cents, currency, stock_on_hand, version, owner_id,
  created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;

/** Every event carries the whole product after it, so one statement writes any of them. */
export const UPDATE_PRODUCT = `UPDATE products SET sku = $3, name = $4, description = $5, price_cents = $6, currency = $7,
  stock_on_hand = $8, version = $9, updated_at = $10, deleted_at = $11 WHERE id = $1 AND version = $2`;

export const INSERT_STOCK_MOVEMENT = `INSERT INTO stock_movements (id, product_id, product_version, delta, reason, stock_after, occurred_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

/** Loads and saves the write model inside a command's transaction. Saving is applying the decided events to rows. */
@Injectable()
export class ProductRepository {
  /** The live product, locked until the transaction ends: concurrent commands on it queue here, none is lost. */
  async loadForUpdate(tx: EntityManager, id: string): Promise<Product | null> {
    const [row] = (await tx.query(SELECT_PRODUCT_FOR_UPDATE, [id])) as Product[];
    return row ?? null;
  }

  async persist(tx: EntityManager, events: readonly ProductEvent[]): Promise<void> {
    for (const event of events) {
      const p = event.product;
      if (event.type === 'ProductCreated') {
        await tx.query(INSERT_PRODUCT, [p.id, p.sku, p.name, p.description, p.priceCents, p.currency, p.stockOnHand, p.version, p.ownerId, p.createdAt, p.updatedAt]);
        continue;
      }
      const deletedAt = event.type === 'ProductDeleted' ? p.updatedAt : null;
      const [, affected] = (await tx.query(UPDATE_PRODUCT, [
        p.id, p.version - 1, p.sku, p.name, p.description, p.priceCents, p.currency, p.stockOnHand, p.version, p.updatedAt, deletedAt,
      ])) as [unknown, number];
      // The row is locked, so the version check cannot fail unless something bypassed the lock: then fail loudly.
      if (affected !== 1) throw new Error(`Product ${p.id} is not at version ${p.version - 1}.`);
      if (event.type === 'StockAdjusted') {
        const m = event.movement;
        await tx.query(INSERT_STOCK_MOVEMENT, [m.id, m.productId, p.version, m.delta, m.reason, m.stockAfter, m.occurredAt]);
      }
    }
  }
}
