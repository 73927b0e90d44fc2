import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { keysetPage, type Page } from '../../../database/keyset-page.js';
import { AuditEventEntity } from '../../audit-event.entity.js';
import { ListAuditEventsQuery } from './list-audit-events.query.js';

@QueryHandler(ListAuditEventsQuery)
export class ListAuditEventsHandler implements IQueryHandler<ListAuditEventsQuery> {
  constructor(@InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>) {}

  execute({ filter, limit, after }: ListAuditEventsQuery): Promise<Page<AuditEventEntity>> {
    const qb = this.events.createQueryBuilder('e').where('TRUE');
    if (filter.actor) qb.andWhere('e.actorSub = :actor', { actor: filter.actor });
    if (filter.action) qb.andWhere('e.action = :action', { action: filter.action });
    if (filter.resourceType) qb.andWhere('e.resourceType = :resourceType', { resourceType: filter.resourceType });
    if (filter.resourceId) qb.andWhere('e.resourceId = :resourceId', { resourceId: filter.resourceId });
    if (filter.since) qb.andWhere('e.occurredAt >= :since', { since: filter.since });
    if (filter.until) qb.andWhere('e.occurredAt < :until', { until: filter.until });
    return keysetPage(qb, { at: 'e.occurredAt', id: 'e.id' }, (e) => e.occurredAt, (e) => e.id, after, limit);
  }
}
