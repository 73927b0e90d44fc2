import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type EntityManager } from 'typeorm';
import { ReadModelChangedEvent } from '../caching/read-model-changed.event.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { comparePositions, type AppendedEvent, type OutboxEvent, type OutboxPosition, type OutboxSubscriber } from './outbox-event.js';

const BATCH_SIZE = 100;
const MAX_RETRY_DELAY_MS = 300_000;

/** The columns of an outbox row as an OutboxEvent (positions as text: they are int8). */
export const OUTBOX_EVENT_COLUMNS = `position::text AS position, transaction_id::text AS "transactionId", id, type,
  stream_type AS "streamType", stream_id AS "streamId", stream_version AS "streamVersion", occurred_at AS "occurredAt", payload`;

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

/** Where a subscriber stands, as this instance last saw it. `failing`: stuck on an event it is retrying. */
interface Progress {
  at: OutboxPosition;
  failing: boolean;
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
 * - it runs right after a command commits (the command waits for it: read-your-writes), every poll interval (events
 *   of other instances), and at start-up (events a crash left behind), so nothing committed is lost;
 * - a subscriber's batch, its checkpoint and its failure count commit in one transaction that holds the checkpoint's
 *   row lock (SKIP LOCKED), so several instances never apply one event twice and a restart resumes where it stopped;
 * - an event that throws is rolled back to a savepoint and retried with backoff; after `maxAttempts` it is parked
 *   (parked_events, logged as an error) and the subscriber moves on. Other subscribers never wait for it.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly subscribers = new Map<string, OutboxSubscriber>();
  private readonly progress = new Map<string, Progress>();
  private readonly options: AppConfig['outbox'];
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
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
   */
  wake(): Promise<void> {
    if (this.stopped || !this.options.relayEnabled) return Promise.resolve();
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = null;
      return this.wake();
    });
    return this.queued;
  }

  /**
   * Read-your-writes: resolves once every subscriber has passed these events (here or on another instance), or has
   * parked them. A subscriber stuck retrying an earlier event is not waited for, and after `waitTimeoutMs` the write
   * answers anyway: its events are committed and will be projected; the read side is then briefly behind.
   * Once they are projected, this instance announces their streams as changed (again, if it projected them itself),
   * so that its own cache drops them even when another instance did the projecting.
   */
  async waitFor(appended: readonly AppendedEvent[]): Promise<void> {
    if (appended.length === 0 || this.stopped || !this.options.relayEnabled) return;
    const target = appended.reduce<OutboxPosition>((a, b) => (comparePositions(a, b) >= 0 ? a : b), appended[0]);
    const deadline = Date.now() + this.options.waitTimeoutMs;
    for (;;) {
      await this.wake();
      const behind = [...this.subscribers.keys()].filter((name) => {
        const p = this.progress.get(name);
        return !p || (!p.failing && comparePositions(p.at, target) < 0);
      });
      if (behind.length === 0) break;
      if (Date.now() >= deadline || this.stopped) {
        this.logger.warn({ behind, position: target.position.toString() }, 'Answering before the read models caught up with this write');
        return;
      }
      await sleep(5);
    }
    this.announce(appended.flatMap((e) => [new ReadModelChangedEvent(e.streamType, e.streamId), new ReadModelChangedEvent(e.streamType, null)]));
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
    await Promise.all(
      [...this.subscribers.values()].map(async (s) => {
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
    const peeked = await this.peek(this.dataSource, s.name);
    if (!peeked.pending) {
      this.progress.set(s.name, peeked.progress);
      return false;
    }
    const changes: ReadModelChangedEvent[] = [];
    const outcome = await this.dataSource.transaction(async (tx) => {
      // First, before this transaction has an xid: every transaction below the horizon has ended, so no event below it
      // can still appear, while one above it might yet commit with a lower position.
      const [{ horizon }] = (await tx.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`)) as { horizon: string }[];
      const [cp] = (await tx.query(
        `SELECT transaction_id::text AS "transactionId", position::text AS position, failing_position::text AS "failingPosition",
                failing_attempts AS "failingAttempts", retry_at AS "retryAt"
         FROM projector_checkpoints WHERE projector = $1 FOR UPDATE SKIP LOCKED`,
        [s.name],
      )) as CheckpointRow[];
      if (!cp) return { progress: (await this.peek(tx, s.name)).progress, more: false };
      const start = checkpointOf(cp);
      if (cp.retryAt && cp.retryAt.getTime() > Date.now()) return { progress: { at: start, failing: true }, more: false };

      const rows = (await tx.query(
        `SELECT ${OUTBOX_EVENT_COLUMNS} FROM outbox_events
         WHERE (transaction_id, position) > ($1::xid8, $2::bigint) AND transaction_id < $3::xid8
         ORDER BY transaction_id, position LIMIT ${BATCH_SIZE}`,
        [start.transactionId.toString(), start.position.toString(), horizon],
      )) as OutboxRow[];

      let at = start;
      let failure: Failure | null = null;
      for (const event of rows.map(toOutboxEvent)) {
        await tx.query('SAVEPOINT outbox_event');
        try {
          const changed = await s.handle(tx, event);
          await tx.query('RELEASE SAVEPOINT outbox_event');
          changes.push(...(changed ?? []));
          at = event;
        } catch (error) {
          await tx.query('ROLLBACK TO SAVEPOINT outbox_event');
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
      if (rows.length === 0) return { progress: { at, failing: false }, more: false };
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
      return { progress: { at, failing: failure !== null }, more: failure === null && rows.length === BATCH_SIZE };
    });
    this.progress.set(s.name, outcome.progress);
    this.announce(changes);
    return outcome.more;
  }

  /** Comes back for a failed event when its retry is due, rather than at the next poll. */
  private retryTimer(delayMs: number): void {
    setTimeout(() => void this.wake(), delayMs + 1).unref();
  }

  /** The subscriber's last committed checkpoint, and whether events past it can be taken now. */
  private async peek(db: Pick<EntityManager, 'query'>, name: string): Promise<{ progress: Progress; pending: boolean }> {
    const [row] = (await db.query(
      `SELECT c.transaction_id::text AS "transactionId", c.position::text AS position, c.failing_position::text AS "failingPosition",
              EXISTS (SELECT 1 FROM outbox_events e WHERE (e.transaction_id, e.position) > (c.transaction_id, c.position)
                        AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())) AS pending
       FROM projector_checkpoints c WHERE c.projector = $1`,
      [name],
    )) as (CheckpointRow & { pending: boolean })[];
    return { progress: { at: checkpointOf(row), failing: row.failingPosition !== null }, pending: row.pending };
  }
}
