import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Append-only: a trigger in the database refuses UPDATE, DELETE and TRUNCATE. */
@Entity('audit_events')
@Index('audit_events_occurred_at_id_idx', ['occurredAt', 'id'])
@Index('audit_events_resource_idx', ['resourceType', 'resourceId'])
@Index('audit_events_actor_idx', ['actorSub'])
export class AuditEventEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'timestamptz', name: 'occurred_at', precision: 3 })
  occurredAt: Date;

  @Column('text', { name: 'actor_sub' })
  actorSub: string;

  @Column('text', { name: 'actor_issuer' })
  actorIssuer: string;

  @Column('text', { name: 'actor_client_id', nullable: true })
  actorClientId: string | null;

  @Column('uuid', { name: 'api_key_id', nullable: true })
  apiKeyId: string | null;

  @Column('text')
  action: string;

  @Column('text', { name: 'resource_type' })
  resourceType: string;

  @Column('text', { name: 'resource_id' })
  resourceId: string;

  @Column('jsonb')
  changes: Record<string, { before: unknown; after: unknown }>;

  @Column('text', { name: 'request_id' })
  requestId: string;

  @Column('text', { nullable: true })
  ip: string | null;

  @Column('text', { name: 'user_agent', nullable: true })
  userAgent: string | null;
}
