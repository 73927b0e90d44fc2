import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditModule } from '../audit/audit.module.js';
import { EventBusPublisher } from './event-bus.publisher.js';
import { Outbox } from './outbox.js';
import { OutboxRelay } from './outbox-relay.js';
import { ParkedEvents } from './parked-events.js';
import { UnitOfWork } from './unit-of-work.js';

/** The transactional outbox: appending in the command's transaction, relaying after commit, projector plumbing. */
@Module({
  imports: [CqrsModule, AuditModule],
  providers: [Outbox, OutboxRelay, EventBusPublisher, ParkedEvents, UnitOfWork],
  exports: [OutboxRelay, EventBusPublisher, ParkedEvents, UnitOfWork],
})
export class OutboxModule {}
