import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AppendedEvent, NewOutboxEvent } from './outbox-event.js';

/** Appends events to the outbox through the command's own EntityManager: they commit, or not, with the change. */
@Injectable()
export class Outbox {
  async append(tx: EntityManager, events: readonly NewOutboxEvent[]): Promise<AppendedEvent[]> {
    const appended: AppendedEvent[] = [];
    for (const e of events) {
      const [row] = (await tx.query(
        `INSERT INTO outbox_events (id, type, stream_type, stream_id, stream_version, payload, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING transaction_id::text AS "transactionId", position::text AS position`,
        [randomUUID(), e.type, e.streamType, e.streamId, e.streamVersion, JSON.stringify(e.payload), e.occurredAt],
      )) as { transactionId: string; position: string }[];
      appended.push({ transactionId: BigInt(row.transactionId), position: BigInt(row.position), streamType: e.streamType, streamId: e.streamId });
    }
    return appended;
  }
}
