import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog, type AuditEntry } from '../audit/audit-log.js';
import type { WriteContext } from '../audit/write-context.js';
import { QueryCache } from '../caching/query-cache.js';
import type { ReadModelChangedEvent } from '../caching/read-model-changed.event.js';
import type { NewOutboxEvent, OutboxEvent, OutboxSubscriber } from './outbox-event.js';
import { Outbox } from './outbox.js';
import { OutboxRelay } from './outbox-relay.js';

/** What a command's work hands back: its result, the audit entry that describes it, and the events it caused. */
export interface CommandOutcome<R> {
  result: R;
  audit: AuditEntry;
  occurredAt: Date;
  events: readonly NewOutboxEvent[];
}

/**
 * How long an inline projection waits for a view row (exported for the bench's baseline, which sends it too): writes of one product are serialised by its row lock, so only a
 * rebuild (or a relay batch) ever holds one longer than a moment.
 */
export const LIMIT_INLINE_LOCK_WAIT = `SET LOCAL lock_timeout = '250ms'`;

/** A projector threw inside the command's transaction (which has rolled back since). */
class InlineProjectionFailed extends Error {
  constructor(
    readonly projector: string,
    readonly event: OutboxEvent,
    cause: unknown,
  ) {
    super(`Projector ${projector} failed on ${event.type} inline`, { cause });
  }
}

/**
 * The one transaction of a command: the change, its audit event, its outbox events and the read models they change
 * (every projector applies them here, so a write reads back at once) commit together or not at all. After the commit
 * it announces what changed, and wakes the relay without waiting for it: the relay only has the EventBus to serve for
 * these events (and, at its next poll, the projectors' checkpoints to move past them).
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger('UnitOfWork');

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    private readonly queryCache: QueryCache,
  ) {}

  /**
   * `work` may run more than once: when a projector throws inside the transaction (a bug, a view constraint the write
   * model does not have, a view row locked by a rebuild for longer than LIMIT_INLINE_LOCK_WAIT allows), the attempt rolls back
   * whole and the command runs again without that projector, whose events the relay then takes (with its retries and
   * parking). That costs the write its read-your-writes on that read model, never the write itself, and never a
   * partial write. The other projectors still run inline. (A projector that always fails makes every write run twice
   * until it is fixed: a warning each time, and its events parked by the relay.)
   */
  async run<R>(context: WriteContext, work: (tx: EntityManager) => Promise<CommandOutcome<R>>): Promise<R> {
    let projectors = this.relay.inlineProjectors();
    for (;;) {
      try {
        return await this.attempt(context, work, projectors);
      } catch (error) {
        if (!(error instanceof InlineProjectionFailed)) throw error;
        const { projector, event } = error;
        this.logger.warn({ err: error.cause, projector, type: event.type, streamId: event.streamId }, 'Projection failed inside the command; the relay takes it');
        projectors = projectors.filter((p) => p.name !== projector);
      }
    }
  }

  private async attempt<R>(
    context: WriteContext,
    work: (tx: EntityManager) => Promise<CommandOutcome<R>>,
    projectors: readonly OutboxSubscriber[],
  ): Promise<R> {
    const { result, changes } = await this.dataSource.transaction(async (tx) => {
      const outcome = await work(tx);
      await this.audit.append(tx, context, outcome.audit, outcome.occurredAt);
      const events = await this.outbox.append(tx, outcome.events, projectors.map((p) => p.name));
      // A view row held by another transaction (a rebuild) must not hold this write, its row locks and its connection.
      if (projectors.length && events.length) await tx.query(LIMIT_INLINE_LOCK_WAIT);
      return { result: outcome.result, changes: await this.project(tx, events, projectors) };
    });
    this.relay.announce(changes);
    // A projector left out (it failed inline) has these events to apply now, not at the next poll.
    void this.relay.wake(projectors.length === this.relay.inlineProjectors().length ? 'relayed' : 'all');
    // Other instances read the shared generations: the answer leaves once they have changed, not before.
    await this.queryCache.invalidationsSent();
    return result;
  }

  private async project(tx: EntityManager, events: readonly OutboxEvent[], projectors: readonly OutboxSubscriber[]): Promise<ReadModelChangedEvent[]> {
    const changes: ReadModelChangedEvent[] = [];
    for (const event of events) {
      for (const p of projectors) {
        try {
          changes.push(...((await p.handle(tx, event)) ?? []));
        } catch (error) {
          throw new InlineProjectionFailed(p.name, event, error);
        }
      }
    }
    return changes;
  }
}
