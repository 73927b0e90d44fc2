import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/** Only a keyed hash of the secret is stored; `keyId` is the public half used to find the row. */
@Entity('api_keys')
@Index('api_keys_created_at_id_idx', ['createdAt', 'id'])
@Check('api_keys_rate_limit_per_minute_check', 'rate_limit_per_minute > 0')
@Check('api_keys_rotation_check', '(replaced_by IS NULL) = (grace_until IS NULL)')
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text', { name: 'key_id', unique: true })
  keyId: string;

  @Column('text')
  name: string;

  // Loaded only where a key is verified (ApiKeysService selects it): lists and reads of keys never hold it.
  @Column('text', { name: 'secret_hash', select: false })
  secretHash: string;

  @Column('text', { name: 'created_by' })
  createdBy: string;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3, default: () => 'now()' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at', precision: 3, nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', precision: 3, nullable: true })
  revokedAt: Date | null;

  @Column('integer', { name: 'rate_limit_per_minute', nullable: true })
  rateLimitPerMinute: number | null;

  @Column({ type: 'timestamptz', name: 'last_used_at', precision: 3, nullable: true })
  lastUsedAt: Date | null;

  @Column('bigint', { name: 'request_count', default: 0 })
  requestCount: string;

  /** The key that took this one's place on rotation; this one works until `graceUntil`. */
  @Column('uuid', { name: 'replaced_by', nullable: true })
  replacedBy: string | null;

  // Declared only for the foreign key; code reads `replacedBy`.
  @ManyToOne(() => ApiKeyEntity, { nullable: true })
  @JoinColumn({ name: 'replaced_by', foreignKeyConstraintName: 'api_keys_replaced_by_fkey' })
  replacement?: ApiKeyEntity | null;

  @Column({ type: 'timestamptz', name: 'grace_until', precision: 3, nullable: true })
  graceUntil: Date | null;
}

/** What an audit event may show of a key: its public id and settings, never the hash (nor, of course, the secret). */
export const AUDITED_API_KEY_FIELDS = ['keyId', 'name', 'expiresAt', 'rateLimitPerMinute'] as const satisfies readonly (keyof ApiKeyEntity)[];
