import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog, type AuditEntry } from '../audit/audit-log.js';
import type { WriteContext } from '../audit/write-context.js';
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
  ) {}

  /**
   * `work` may run twice: when a projector throws inside the transaction, the command runs again without inline
   * projection and leaves its events to the relay. A broken read model (a projector bug, a view constraint the write
   * model does not have) then costs read-your-writes on that write, with the relay's retries and parking as before,
   * instead of failing every write, or a partial write: the first attempt rolled back whole.
   */
  async run<R>(context: WriteContext, work: (tx: EntityManager) => Promise<CommandOutcome<R>>): Promise<R> {
    try {
      return await this.attempt(context, work, this.relay.inlineProjectors());
    } catch (error) {
      if (!(error instanceof InlineProjectionFailed)) throw error;
      const { projector, event } = error;
      this.logger.warn({ err: error.cause, projector, type: event.type, streamId: event.streamId }, 'Projection failed inside the command; the relay takes it');
      return this.attempt(context, work, []);
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
      return { result: outcome.result, changes: await this.project(tx, events, projectors) };
    });
    this.relay.announce(changes);
    void this.relay.wake(projectors.length ? 'relayed' : 'all');
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
