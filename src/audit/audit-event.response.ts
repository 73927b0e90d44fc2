import { ApiProperty } from '@nestjs/swagger';
import type { AuditEventEntity } from './audit-event.entity.js';

class ActorResponse {
  @ApiProperty() sub: string;
  @ApiProperty() issuer: string;
  @ApiProperty({ type: String, nullable: true }) clientId: string | null;
}

export class AuditEventResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ type: ActorResponse }) actor: ActorResponse;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) apiKeyId: string | null;
  @ApiProperty({ example: 'products.create' }) action: string;
  @ApiProperty({ example: 'product' }) resourceType: string;
  @ApiProperty() resourceId: string;
  @ApiProperty({ description: 'field -> { before, after }', type: 'object', additionalProperties: true })
  changes: Record<string, { before: unknown; after: unknown }>;
  @ApiProperty() requestId: string;
  @ApiProperty({ type: String, nullable: true }) ip: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent: string | null;

  static from(e: AuditEventEntity): AuditEventResponse {
    return {
      id: e.id,
      occurredAt: e.occurredAt.toISOString(),
      actor: { sub: e.actorSub, issuer: e.actorIssuer, clientId: e.actorClientId },
      apiKeyId: e.apiKeyId,
      action: e.action,
      resourceType: e.resourceType,
      resourceId: e.resourceId,
      changes: e.changes,
      requestId: e.requestId,
      ip: e.ip,
      userAgent: e.userAgent,
    };
  }
}

export class AuditEventPageResponse {
  @ApiProperty({ type: [AuditEventResponse] }) data: AuditEventResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
