import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEventEntity } from './audit-event.entity.js';
import { AuditEventsQueriesController } from './audit-events.queries.controller.js';
import { AuditLog } from './audit-log.js';
import { ListAuditEventsHandler } from './queries/list-audit-events/list-audit-events.handler.js';

@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([AuditEventEntity])],
  controllers: [AuditEventsQueriesController],
  providers: [AuditLog, ListAuditEventsHandler],
  exports: [AuditLog],
})
export class AuditModule {}
