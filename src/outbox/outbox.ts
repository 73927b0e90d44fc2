import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { NewOutboxEvent, OutboxPosition } from './outbox-event.js';

/** Appends events to the outbox through the command's own EntityManager: they commit, or not, with the change. */
@Injectable()
export class Outbox {
  async append(tx: EntityManager, events: readonly NewOutboxEvent[]): Promise<OutboxPosition[]> {
    const positions: OutboxPosition[] = [];
    for (const e of events) {
      const [row] = (await tx.query(
        `INSERT INTO outbox_events (id, type, stream_type, stream_id, stream_version, payload, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING transaction_id::text AS "transactionId", position::text AS position`,
        [randomUUID(), e.type, e.streamType, e.streamId, e.streamVersion, JSON.stringify(e.payload), e.occurredAt],
      )) as { transactionId: string; position: string }[];
      positions.push({ transactionId: BigInt(row.transactionId), position: BigInt(row.position) });
    }
    return positions;
  }
}
