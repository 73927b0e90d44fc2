import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdempotencyKeys1796320460422 implements MigrationInterface {
  name = 'IdempotencyKeys1796320460422';

  async up(q: QueryRunner): Promise<void> {
    // One row per (user, key): the primary key is what makes two concurrent requests with one key impossible.
    await q.query(`
      CREATE TABLE idempotency_keys (
        issuer text NOT NULL,
        subject text NOT NULL,
        key_digest text NOT NULL,
        fingerprint text NOT NULL,
        request_id text NOT NULL,
        lock_token uuid NOT NULL,
        locked_until timestamptz(3),
        committed_at timestamptz(3),
        response_status integer,
        response bytea,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        CONSTRAINT idempotency_keys_pkey PRIMARY KEY (issuer, subject, key_digest)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
