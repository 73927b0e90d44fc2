import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OUTBOX_EVENT_COLUMNS, OutboxRelay, toOutboxEvent } from './outbox-relay.js';

export interface ParkedEvent {
  projector: string;
  eventPosition: string;
  eventId: string;
  type: string;
  streamType: string;
  streamId: string;
  attempts: number;
  lastError: string;
  parkedAt: Date;
  resolvedAt: Date | null;
  resolution: string | null;
}

/**
 * The operator's side of parked events (`npm run projections:parked`, `-- --retry <position> --projector <name>`): what a subscriber gave up on, and a
 * way to apply it again once the cause is fixed.
 */
@Injectable()
export class ParkedEvents {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
  ) {}

  list(filter: { projector?: string; includeResolved?: boolean } = {}): Promise<ParkedEvent[]> {
    return this.dataSource.query(
      `SELECT p.projector, p.event_position::text AS "eventPosition", p.event_id AS "eventId", e.type, e.stream_type AS "streamType",
              e.stream_id AS "streamId", p.attempts, p.last_error AS "lastError", p.parked_at AS "parkedAt",
              p.resolved_at AS "resolvedAt", p.resolution
       FROM parked_events p JOIN outbox_events e ON e.position = p.event_position
       WHERE ($1::text IS NULL OR p.projector = $1) AND ($2 OR p.resolved_at IS NULL)
       ORDER BY p.parked_at, p.event_position`,
      [filter.projector ?? null, filter.includeResolved ?? false],
    );
  }

  /** Applies a parked event again with its subscriber (registered in this process); marks it resolved if that works. */
  async retry(projector: string, position: string): Promise<void> {
    const subscriber = this.relay.subscriber(projector);
    if (!subscriber) throw new Error(`No subscriber named ${projector} runs in this process.`);
    const changes = await this.dataSource.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM projector_checkpoints WHERE projector = $1 FOR UPDATE`, [projector]);
      const [row] = await tx.query(
        `SELECT ${OUTBOX_EVENT_COLUMNS} FROM outbox_events e
         WHERE position = $2 AND EXISTS (SELECT 1 FROM parked_events p WHERE p.projector = $1 AND p.event_position = e.position AND p.resolved_at IS NULL)`,
        [projector, position],
      );
      if (!row) throw new Error(`No unresolved parked event at position ${position} for ${projector}.`);
      const changed = await subscriber.handle(tx, toOutboxEvent(row));
      await tx.query(
        `UPDATE parked_events SET resolved_at = now(), resolution = 'retried' WHERE projector = $1 AND event_position = $2`,
        [projector, position],
      );
      return changed ?? [];
    });
    this.relay.announce(changes);
  }
}
