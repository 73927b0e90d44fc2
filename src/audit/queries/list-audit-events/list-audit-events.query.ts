import { Query } from '@nestjs/cqrs';
import type { Page } from '../../../database/keyset-page.js';
import type { Cursor } from '../../../http/cursor.js';
import type { AuditEventEntity } from '../../audit-event.entity.js';

export interface AuditEventFilter {
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  since?: Date;
  until?: Date;
}

export class ListAuditEventsQuery extends Query<Page<AuditEventEntity>> {
  constructor(
    readonly filter: AuditEventFilter,
    readonly limit: number,
    readonly after?: Cursor,
  ) {
    super();
  }
}
