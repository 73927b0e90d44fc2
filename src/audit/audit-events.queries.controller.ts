import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/access.decorators.js';
import { cursorScope, decodeCursor, pageBody } from '../http/cursor.js';
import { AuditEventPageResponse, AuditEventResponse } from './audit-event.response.js';
import { ListAuditEventsQuery } from './queries/list-audit-events/list-audit-events.query.js';
import { ListAuditEventsRequest } from './queries/list-audit-events/list-audit-events.request.js';
import { Scope } from '../auth/scopes.js';

/** The trail names people, so reading it takes a user token with audit:read besides the application's key. */
@ApiTags('audit')
@ApiSecurity('api-key')
@Controller('v1/audit-events')
export class AuditEventsQueriesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @RequireScopes(Scope.AuditRead)
  @ApiOperation({ summary: 'The audit trail, newest first' })
  @ApiOkResponse({ type: AuditEventPageResponse })
  async list(@Query() p: ListAuditEventsRequest): Promise<AuditEventPageResponse> {
    const filter = {
      actor: p.actor,
      action: p.action,
      resourceType: p.resourceType,
      resourceId: p.resourceId,
      since: p.since ? new Date(p.since) : undefined,
      until: p.until ? new Date(p.until) : undefined,
    };
    const scope = cursorScope('audit-events', { ...filter });
    const page = await this.queries.execute(new ListAuditEventsQuery(filter, p.limit, decodeCursor(p.cursor, scope)));
    return pageBody(page, AuditEventResponse.from, scope);
  }
}
