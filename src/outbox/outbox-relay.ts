import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { AsyncResource } from 'node:async_hooks';
import { DataSource, type EntityManager } from 'typeorm';
import type { ReadModelChangedEvent } from '../caching/read-model-changed.event.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { OutboxEvent, OutboxPosition, OutboxSubscriber } from './outbox-event.js';

const BATCH_SIZE = 100;
const MAX_RETRY_DELAY_MS = 300_000;

const eventColumns = (payload: string) => `position::text AS position, transaction_id::text AS "transactionId", id, type,
  stream_type AS "streamType", stream_id AS "streamId", stream_version AS "streamVersion", occurred_at AS "occurredAt", ${payload} AS payload`;

/** The columns of an outbox row as an OutboxEvent (positions as text: they are int8). */
export const OUTBOX_EVENT_COLUMNS = eventColumns('payload');

type OutboxRow = Omit<OutboxEvent, 'position' | 'transactionId'> & { position: string; transactionId: string };

export const toOutboxEvent = (row: OutboxRow): OutboxEvent => ({
  ...row,
  position: BigInt(row.position),
  transactionId: BigInt(row.transactionId),
});

interface CheckpointRow {
  transactionId: string;
  position: string;
  failingPosition: string | null;
  failingAttempts: number;
  retryAt: Date | null;
}

interface Failure {
  position: bigint;
  attempts: number;
  error: string;
  retryAt: Date;
}

const checkpointOf = (row: CheckpointRow): OutboxPosition => ({ transactionId: BigInt(row.transactionId), position: BigInt(row.position) });
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2000);

/**
 * Takes committed events out of the outbox and hands them, in order, to every registered subscriber (the projectors
 * and the EventBus publisher), each from its own checkpoint:
 * - it runs right after a command commits (which does not wait for it: the command projected its own events, see
 *   UnitOfWork), every poll interval (events of other instances), and at start-up (events a crash left behind), so
 *   nothing committed is lost;
 * - an event that a projector applied inside the command's transaction (outbox_events.projected_by) only moves that
 *   projector's checkpoint; events written without it (an older release, a projector added later) are applied here;
 * - a subscriber's batch, its checkpoint and its failure count commit in one transaction that holds the checkpoint's
 *   row lock (SKIP LOCKED), so several instances never apply one event twice and a restart resumes where it stopped;
 * - an event that throws is rolled back to a savepoint and retried with backoff; after `maxAttempts` it is parked
 *   (parked_events, logged as an error) and the subscriber moves on. Other subscribers never wait for it.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly subscribers = new Map<string, OutboxSubscriber>();
  private readonly options: AppConfig['outbox'];
  /**
   * Runs a drain in the context the relay was made in, never in that of the request that woke it: what a request keeps
   * in AsyncLocalStorage (its idempotency key, which joins every transaction it commits) must not follow the relay's
   * transactions, which outlive the request.
   */
  private readonly detachedDrain = AsyncResource.bind(() => this.drain());
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  /** The next drain runs the inline projectors too (set by every wake but a command's). */
  private projectorsDue = true;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.options = config.outbox;
  }

  /**
   * Adds a subscriber. A new one starts at the beginning of the outbox (a projector that must see every event), or at
   * its current end ('end': only what is written from now on).
   */
  async register(subscriber: OutboxSubscriber, options: { startAt?: 'beginning' | 'end' } = {}): Promise<void> {
    if (this.subscribers.has(subscriber.name)) throw new Error(`An outbox subscriber named ${subscriber.name} is registered already.`);
    if (options.startAt === 'end') {
      await this.dataSource.query(
        `INSERT INTO projector_checkpoints (projector, transaction_id, position)
         SELECT $1, coalesce(last.transaction_id, '0'), coalesce(last.position, 0)
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (SELECT transaction_id, position FROM outbox_events ORDER BY transaction_id DESC, position DESC LIMIT 1) AS last ON true
         ON CONFLICT (projector) DO NOTHING`,
        [subscriber.name],
      );
    } else {
      await this.dataSource.query(`INSERT INTO projector_checkpoints (projector) VALUES ($1) ON CONFLICT (projector) DO NOTHING`, [subscriber.name]);
    }
    this.subscribers.set(subscriber.name, subscriber);
  }

  subscriber(name: string): OutboxSubscriber | undefined {
    return this.subscribers.get(name);
  }

  /** The subscribers a command applies its events with, in its own transaction. */
  inlineProjectors(): OutboxSubscriber[] {
    return [...this.subscribers.values()].filter((s) => s.projectsInline);
  }

  onApplicationBootstrap(): void {
    if (!this.options.relayEnabled) return;
    this.timer = setInterval(() => void this.wake(), this.options.pollIntervalMs);
    this.timer.unref();
    // Events committed before a crash (or while no instance ran) are taken now.
    void this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.queued;
    await this.running;
  }

  /**
   * Runs the subscribers until they have caught up. One run at a time per instance: a call during a run queues exactly
   * one more (the run in progress may have read the outbox before the caller's commit) and resolves when that ends.
   * 'relayed' (a command that projected its events inline): only the subscribers that did not. The inline projectors'
   * checkpoints then move at the next poll, up to 100 events a transaction rather than a transaction
   * per write; nothing waits on them, as their read models have the events already.
   */
  wake(scope: 'all' | 'relayed' = 'all'): Promise<void> {
    if (this.stopped || !this.options.relayEnabled) return Promise.resolve();
    if (scope === 'all') this.projectorsDue = true;
    if (!this.running) {
      this.running = this.detachedDrain().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = null;
      return this.wake('relayed');
    });
    return this.queued;
  }

  /** Rebuilds every read model that can be rebuilt from the write model, each in one transaction. */
  async rebuild(): Promise<string[]> {
    const rebuilt: string[] = [];
    for (const s of this.subscribers.values()) {
      if (!s.rebuild) continue;
      await this.dataSource.transaction(async (tx) => {
        // Waits for a batch running elsewhere and holds the others off until the rebuilt model has committed. The
        // checkpoint stays: events after it are applied again on top, which changes nothing (projectors are idempotent).
        await tx.query(`SELECT 1 FROM projector_checkpoints WHERE projector = $1 FOR UPDATE`, [s.name]);
        await s.rebuild!(tx);
        await tx.query(
          `UPDATE parked_events SET resolved_at = now(), resolution = 'rebuilt' WHERE projector = $1 AND resolved_at IS NULL`,
          [s.name],
        );
      });
      rebuilt.push(s.name);
    }
    return rebuilt;
  }

  /** Publishes what a subscriber changed, once the change has committed (caches drop it then, not before). */
  announce(changes: readonly ReadModelChangedEvent[]): void {
    const seen = new Set<string>();
    for (const c of changes) {
      const key = `${c.resourceType}\u0000${c.resourceId ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      this.events.publish(c);
    }
  }

  private async drain(): Promise<void> {
    const projectors = this.projectorsDue;
    this.projectorsDue = false;
    await Promise.all(
      [...this.subscribers.values()].filter((s) => projectors || !s.projectsInline).map(async (s) => {
        try {
          while (!this.stopped && (await this.runBatch(s)));
        } catch (error) {
          // The database is away, say: the next wake or poll tries again.
          this.logger.error({ err: error, subscriber: s.name }, 'Outbox relay batch failed');
        }
      }),
    );
  }

  /** One batch of one subscriber; true when there may be more. */
  private async runBatch(s: OutboxSubscriber): Promise<boolean> {
    // A look without locks first: most polls find nothing to do, and then they write nothing.
    if (!(await this.pending(s.name))) return false;
    const changes: ReadModelChangedEvent[] = [];
    const more = await this.dataSource.transaction(async (tx) => {
      // First, before this transaction has an xid: every transaction below the horizon has ended, so no event below it
      // can still appear, while one above it might yet commit with a lower position.
      const [{ horizon }] = (await tx.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`)) as { horizon: string }[];
      const [cp] = (await tx.query(
        `SELECT transaction_id::text AS "transactionId", position::text AS position, failing_position::text AS "failingPosition",
                failing_attempts AS "failingAttempts", retry_at AS "retryAt"
         FROM projector_checkpoints WHERE projector = $1 FOR UPDATE SKIP LOCKED`,
        [s.name],
      )) as CheckpointRow[];
      // Another instance holds it: that one is running this subscriber.
      if (!cp) return false;
      const start = checkpointOf(cp);
      if (cp.retryAt && cp.retryAt.getTime() > Date.now()) return false;

      const rows = (await tx.query(
        // An event the subscriber projected inline is skipped: its payload would only be sent and parsed for nothing.
        `SELECT ${eventColumns('CASE WHEN $4 = ANY (projected_by) THEN NULL ELSE payload END')}, $4 = ANY (projected_by) AS "projectedInline"
         FROM outbox_events
         WHERE (transaction_id, position) > ($1::xid8, $2::bigint) AND transaction_id < $3::xid8
         ORDER BY transaction_id, position LIMIT ${BATCH_SIZE}`,
        [start.transactionId.toString(), start.position.toString(), horizon, s.name],
      )) as (OutboxRow & { projectedInline: boolean })[];

      let at = start;
      let failure: Failure | null = null;
      const handled: OutboxEvent[] = [];
      const savepoints = !s.handleSendsNoSql;
      for (const { projectedInline, ...row } of rows) {
        const event = toOutboxEvent(row);
        // Its command's transaction applied it already, and committed it together with the write.
        if (projectedInline) {
          at = event;
          continue;
        }
        if (savepoints) await tx.query('SAVEPOINT outbox_event');
        try {
          const changed = await s.handle(tx, event);
          if (savepoints) await tx.query('RELEASE SAVEPOINT outbox_event');
          changes.push(...(changed ?? []));
          handled.push(event);
          at = event;
        } catch (error) {
          if (savepoints) await tx.query('ROLLBACK TO SAVEPOINT outbox_event');
          const attempts = (cp.failingPosition === event.position.toString() ? cp.failingAttempts : 0) + 1;
          const context = { subscriber: s.name, position: event.position.toString(), eventId: event.id, type: event.type, attempts };
          if (attempts < this.options.maxAttempts) {
            const delay = Math.min(this.options.retryDelayMs * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
            failure = { position: event.position, attempts, error: describe(error), retryAt: new Date(Date.now() + delay) };
            this.logger.warn({ ...context, err: error, retryInMs: delay }, 'Outbox subscriber failed on an event; it will retry');
            this.retryTimer(delay);
            break;
          }
          await tx.query(
            `INSERT INTO parked_events (projector, event_position, event_id, attempts, last_error) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (projector, event_position) DO UPDATE SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error,
               parked_at = now(), resolved_at = NULL, resolution = NULL`,
            [s.name, event.position.toString(), event.id, attempts, describe(error)],
          );
          this.logger.error({ ...context, err: error }, 'Outbox event parked: the subscriber gave up on it and moved on');
          at = event;
        }
      }
      if (rows.length === 0) return false;
      if (handled.length && s.completeBatch) await s.completeBatch(tx, handled);
      await tx.query(
        `UPDATE projector_checkpoints SET transaction_id = $2, position = $3, failing_position = $4, failing_attempts = $5,
           retry_at = $6, last_error = $7, updated_at = now()
         WHERE projector = $1`,
        [
          s.name,
          at.transactionId.toString(),
          at.position.toString(),
          failure?.position.toString() ?? null,
          failure?.attempts ?? 0,
          failure?.retryAt ?? null,
          failure?.error ?? null,
        ],
      );
      return failure === null && rows.length === BATCH_SIZE;
    });
    this.announce(changes);
    return more;
  }

  /** Comes back for a failed event when its retry is due, rather than at the next poll. */
  private retryTimer(delayMs: number): void {
    setTimeout(() => void this.wake(), delayMs + 1).unref();
  }

  /** Whether events past the subscriber's last committed checkpoint can be taken now. */
  private async pending(name: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM outbox_events e WHERE (e.transaction_id, e.position) > (c.transaction_id, c.position)
                        AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())) AS pending
       FROM projector_checkpoints c WHERE c.projector = $1`,
      [name],
    )) as { pending: boolean }[];
    return row.pending;
  }
}
