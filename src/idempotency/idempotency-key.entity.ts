import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A user's Idempotency-Key and what became of the request that used it first. The store speaks SQL to it
 * (claims are one `INSERT ... ON CONFLICT` statement); the entity keeps `migration:generate` honest.
 */
@Entity('idempotency_keys')
@Index('idempotency_keys_expires_at_idx', ['expiresAt'])
export class IdempotencyKeyEntity {
  @PrimaryColumn('text', { primaryKeyConstraintName: 'idempotency_keys_pkey' })
  issuer: string;

  @PrimaryColumn('text', { primaryKeyConstraintName: 'idempotency_keys_pkey' })
  subject: string;

  /** sha256 of the Idempotency-Key (see sealed-response.ts). */
  @PrimaryColumn('text', { name: 'key_digest', primaryKeyConstraintName: 'idempotency_keys_pkey' })
  keyDigest: string;

  /** sha256 of method, path and canonical (RFC 8785) body. */
  @Column('text')
  fingerprint: string;

  /** The request that holds or held the key (for logs and the audit trail). */
  @Column('text', { name: 'request_id' })
  requestId: string;

  /** Fencing token: only the holder's transactions may commit (see IdempotencyTransactionSubscriber). */
  @Column('uuid', { name: 'lock_token' })
  lockToken: string;

  /** Set while a request holds the key; null once it has answered. */
  @Column({ type: 'timestamptz', name: 'locked_until', precision: 3, nullable: true })
  lockedUntil: Date | null;

  /** Set inside the command's own transaction: the request took effect. */
  @Column({ type: 'timestamptz', name: 'committed_at', precision: 3, nullable: true })
  committedAt: Date | null;

  /** Null until the first request has answered. */
  @Column('integer', { name: 'response_status', nullable: true })
  responseStatus: number | null;

  /** The first response, encrypted with a key only the client has (see sealed-response.ts). */
  @Column('bytea', { nullable: true })
  response: Buffer | null;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3, default: () => 'now()' })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'expires_at', precision: 3 })
  expiresAt: Date;
}
