import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The projectors that applied an outbox event inside the command's own transaction (UnitOfWork): the relay only moves
 * their checkpoints past it. Rows written before this (or by a release without inline projection) have none, so the
 * relay projects them as it always did. A constant default adds the column without rewriting the table.
 */
export class OutboxProjectedBy1796400000000 implements MigrationInterface {
  name = 'OutboxProjectedBy1796400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_events ADD COLUMN projected_by text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_events DROP COLUMN projected_by`);
  }
}
