import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog, type AuditEntry } from '../audit/audit-log.js';
import type { WriteContext } from '../audit/write-context.js';
import type { NewOutboxEvent } from './outbox-event.js';
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
 * The one transaction of a command: the change, its audit event and its outbox events commit together or not at all.
 * Nothing is published from here: after the commit the relay takes the events from the outbox, and this waits for it
 * (read-your-writes) before the command returns.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
  ) {}

  async run<R>(context: WriteContext, work: (tx: EntityManager) => Promise<CommandOutcome<R>>): Promise<R> {
    const { result, appended } = await this.dataSource.transaction(async (tx) => {
      const outcome = await work(tx);
      await this.audit.append(tx, context, outcome.audit, outcome.occurredAt);
      return { result: outcome.result, appended: await this.outbox.append(tx, outcome.events) };
    });
    await this.relay.waitFor(appended);
    return result;
  }
}
