import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ReadModelChangedEvent } from '../../caching/read-model-changed.event.js';
import type { Json, OutboxEvent } from '../../outbox/outbox-event.js';
import { Projector } from '../../outbox/projector.js';
import type { ProductEvent } from '../domain/product-events.js';
import { PRODUCT_STREAM } from '../events/product-outbox.js';

const COLUMNS = 'id, sku, name, description, price_cents, currency, stock_on_hand, version, owner_id, created_at, updated_at, deleted_at';

/** The view row of a product event (exported for the bench's baseline, which sends the same statement). */
export const UPSERT_PRODUCT_VIEW = `INSERT INTO product_views (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
  ON CONFLICT (id) DO UPDATE SET sku = EXCLUDED.sku, name = EXCLUDED.name, description = EXCLUDED.description,
    price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency, stock_on_hand = EXCLUDED.stock_on_hand,
    version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, deleted_at = EXCLUDED.deleted_at
  WHERE product_views.version < EXCLUDED.version
  RETURNING id`;

/**
 * Keeps product_views: every product event carries the product after it, and a row only ever moves to a higher
 * version. Applying an event twice, or an older one after a newer, changes nothing.
 */
@Injectable()
export class ProductViewsProjector extends Projector {
  readonly name = 'product-views';

  async handle(tx: EntityManager, event: OutboxEvent): Promise<ReadModelChangedEvent[]> {
    if (event.streamType !== PRODUCT_STREAM) return [];
    const { type, product: p } = event.payload as Json<ProductEvent>;
    const deletedAt = type === 'ProductDeleted' ? p.updatedAt : null;
    const changed = (await tx.query(UPSERT_PRODUCT_VIEW, [
      p.id, p.sku, p.name, p.description, p.priceCents, p.currency, p.stockOnHand, p.version, p.ownerId, p.createdAt, p.updatedAt, deletedAt,
    ])) as unknown[];
    // A list shows whole products, so any change to one changes the collection too.
    return changed.length ? [new ReadModelChangedEvent('product', p.id), new ReadModelChangedEvent('product', null)] : [];
  }

  async rebuild(tx: EntityManager): Promise<void> {
    await tx.query(`DELETE FROM product_views`);
    // A write that committed between the two statements has projected itself already (inline, with the product as
    // this SELECT reads it): its row stays.
    await tx.query(`INSERT INTO product_views (${COLUMNS}) SELECT ${COLUMNS} FROM products ON CONFLICT (id) DO NOTHING`);
  }
}
