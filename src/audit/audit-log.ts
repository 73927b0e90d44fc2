import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuditEventEntity } from './audit-event.entity.js';
import type { WriteContext } from './write-context.js';

export type Changes = Record<string, { before: unknown; after: unknown }>;

export interface AuditEntry {
  action: string;
  resourceType: string;
  resourceId: string;
  changes: Changes;
}

/** Before/after of the fields that differ; `before` undefined means the resource is new. */
export function diff<T extends object>(before: T | null, after: T | null, fields: readonly (keyof T & string)[]): Changes {
  const changes: Changes = {};
  for (const f of fields) {
    const b = before ? before[f] : null;
    const a = after ? after[f] : null;
    if (JSON.stringify(b) !== JSON.stringify(a)) changes[f] = { before: b ?? null, after: a ?? null };
  }
  return changes;
}

/** Plain SQL rather than TypeORM's insert builder: it runs in every write. Exported for the bench's baseline. */
export const INSERT_AUDIT_EVENT = `INSERT INTO audit_events (id, occurred_at, actor_sub, actor_issuer, actor_client_id, api_key_id, action,
  resource_type, resource_id, changes, request_id, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

/**
 * Appends to the audit trail through the command's own EntityManager, so the event commits or rolls back
 * with the change it describes.
 */
@Injectable()
export class AuditLog {
  async append(tx: EntityManager, ctx: WriteContext, entry: AuditEntry, occurredAt: Date): Promise<AuditEventEntity> {
    const event: AuditEventEntity = {
      id: randomUUID(),
      occurredAt,
      actorSub: ctx.user.sub,
      actorIssuer: ctx.user.issuer,
      actorClientId: ctx.user.clientId,
      apiKeyId: ctx.apiKeyId,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId,
      changes: entry.changes,
      requestId: ctx.requestId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    };
    await tx.query(INSERT_AUDIT_EVENT, [
      event.id, event.occurredAt, event.actorSub, event.actorIssuer, event.actorClientId, event.apiKeyId, event.action,
      event.resourceType, event.resourceId, JSON.stringify(event.changes), event.requestId, event.ip, event.userAgent,
    ]);
    return event;
  }
}
