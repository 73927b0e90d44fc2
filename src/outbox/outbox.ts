import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { NewOutboxEvent, OutboxEvent } from './outbox-event.js';

/** Exported for the bench's baseline, which sends the same statement. */
export const INSERT_OUTBOX_EVENT = `INSERT INTO outbox_events (id, type, stream_type, stream_id, stream_version, payload, occurred_at, projected_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  RETURNING transaction_id::text AS "transactionId", position::text AS position`;

/** Appends events to the outbox through the command's own EntityManager: they commit, or not, with the change. */
@Injectable()
export class Outbox {
  /**
   * `projectedBy`: the subscribers that apply these events in this same transaction (the relay skips them for those).
   * Returns the events as a subscriber reads them from the outbox (payload through JSON).
   */
  async append(tx: EntityManager, events: readonly NewOutboxEvent[], projectedBy: readonly string[]): Promise<OutboxEvent[]> {
    const appended: OutboxEvent[] = [];
    for (const e of events) {
      const id = randomUUID();
      const payload = JSON.stringify(e.payload);
      const [row] = (await tx.query(INSERT_OUTBOX_EVENT, [
        id, e.type, e.streamType, e.streamId, e.streamVersion, payload, e.occurredAt, projectedBy,
      ])) as { transactionId: string; position: string }[];
      appended.push({ ...e, id, payload: JSON.parse(payload), transactionId: BigInt(row.transactionId), position: BigInt(row.position) });
    }
    return appended;
  }
}
