import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Rotation keeps the old row (for the audit trail and the grace period) and links it to its replacement. */
export class ApiKeyRotation1796320286329 implements MigrationInterface {
  name = 'ApiKeyRotation1796320286329';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ADD COLUMN replaced_by uuid`);
    await q.query(`ALTER TABLE api_keys ADD COLUMN grace_until timestamptz(3)`);
    await q.query(
      `ALTER TABLE api_keys ADD CONSTRAINT api_keys_replaced_by_fkey FOREIGN KEY (replaced_by) REFERENCES api_keys (id)`,
    );
    // A key is either not rotated, or rotated with the end of its grace period: never half of it.
    await q.query(
      `ALTER TABLE api_keys ADD CONSTRAINT api_keys_rotation_check CHECK ((replaced_by IS NULL) = (grace_until IS NULL))`,
    );
    await q.query(`CREATE INDEX api_keys_created_at_id_idx ON api_keys (created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX api_keys_created_at_id_idx`);
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_rotation_check`);
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_replaced_by_fkey`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN grace_until`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN replaced_by`);
  }
}
