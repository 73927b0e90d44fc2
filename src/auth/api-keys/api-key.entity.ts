import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** Only a keyed hash of the secret is stored; `keyId` is the public half used to find the row. */
@Entity('api_keys')
@Check('api_keys_rate_limit_per_minute_check', 'rate_limit_per_minute > 0')
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text', { name: 'key_id', unique: true })
  keyId: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'secret_hash' })
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
}
