import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity.js';
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
    // jsonb of unknown shape does not fit TypeORM's deep-partial type; the row is complete.
    await tx.insert(AuditEventEntity, event as never);
    return event;
  }
}
