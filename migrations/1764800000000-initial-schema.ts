import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764800000000 implements MigrationInterface {
  name = 'InitialSchema1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        key_id text NOT NULL UNIQUE,
        name text NOT NULL,
        secret_hash text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3),
        revoked_at timestamptz(3),
        rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
        last_used_at timestamptz(3),
        request_count bigint NOT NULL DEFAULT 0
      )`);

    await q.query(`
      CREATE TABLE products (
        id uuid PRIMARY KEY,
        sku text NOT NULL,
        name text NOT NULL,
        description text,
        price_cents integer NOT NULL CHECK (price_cents >= 0),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        stock_on_hand integer NOT NULL DEFAULT 0 CHECK (stock_on_hand >= 0),
        version integer NOT NULL,
        owner_id text NOT NULL,
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX products_sku_key ON products (sku)`);
    await q.query(`CREATE INDEX products_created_at_id_idx ON products (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        occurred_at timestamptz(3) NOT NULL,
        actor_sub text NOT NULL,
        actor_issuer text NOT NULL,
        actor_client_id text,
        api_key_id uuid,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        changes jsonb NOT NULL,
        request_id text NOT NULL,
        ip text,
        user_agent text
      )`);
    await q.query(`CREATE INDEX audit_events_occurred_at_id_idx ON audit_events (occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_events_resource_idx ON audit_events (resource_type, resource_id)`);
    await q.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_sub)`);

    // The audit trail is evidence: no role, not even the app's own, may rewrite it.
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
    await q.query(`DROP TABLE products`);
    await q.query(`DROP TABLE api_keys`);
  }
}
