import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ReadModelChangedEvent } from '../../caching/read-model-changed.event.js';
import type { Json, OutboxEvent } from '../../outbox/outbox-event.js';
import { Projector } from '../../outbox/projector.js';
import type { StockAdjusted } from '../domain/product-events.js';

const COLUMNS = 'id, product_id, delta, reason, stock_after, occurred_at';

/** Exported for the bench's baseline, which sends the same statement. */
export const INSERT_STOCK_MOVEMENT_VIEW = `INSERT INTO stock_movement_views (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`;

/** Keeps stock_movement_views: one row per movement, written once (a second delivery finds it there). */
@Injectable()
export class StockMovementViewsProjector extends Projector {
  readonly name = 'stock-movement-views';

  async handle(tx: EntityManager, event: OutboxEvent): Promise<ReadModelChangedEvent[]> {
    if (event.type !== 'StockAdjusted') return [];
    const { movement: m } = event.payload as Json<StockAdjusted>;
    const inserted = (await tx.query(INSERT_STOCK_MOVEMENT_VIEW, [m.id, m.productId, m.delta, m.reason, m.stockAfter, m.occurredAt])) as unknown[];
    // The movements list is part of the product resource (/v1/products/{id}/stock-movements).
    return inserted.length ? [new ReadModelChangedEvent('product', m.productId)] : [];
  }

  async rebuild(tx: EntityManager): Promise<void> {
    await tx.query(`DELETE FROM stock_movement_views`);
    // A movement committed between the two statements has projected itself already (inline): its row stays.
    await tx.query(`INSERT INTO stock_movement_views (${COLUMNS}) SELECT ${COLUMNS} FROM stock_movements ON CONFLICT (id) DO NOTHING`);
  }
}
