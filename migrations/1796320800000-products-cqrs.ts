import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The full products domain: soft delete and stock movements on the write side, the transactional outbox with
 * projector checkpoints and parked events, and the read models the queries answer from.
 */
export class ProductsCqrs1796320800000 implements MigrationInterface {
  name = 'ProductsCqrs1796320800000';

  async up(q: QueryRunner): Promise<void> {
    // Write model. A deleted product keeps its row (its movements and audit trail still point at it) but releases its sku.
    await q.query(`ALTER TABLE products ADD COLUMN deleted_at timestamptz(3)`);
    await q.query(`DROP INDEX products_sku_key`);
    await q.query(`CREATE UNIQUE INDEX products_sku_key ON products (sku) WHERE deleted_at IS NULL`);
    await q.query(`
      CREATE TABLE stock_movements (
        id uuid PRIMARY KEY,
        product_id uuid NOT NULL CONSTRAINT stock_movements_product_id_fkey REFERENCES products (id),
        product_version integer NOT NULL,
        delta integer NOT NULL CONSTRAINT stock_movements_delta_check CHECK (delta <> 0),
        reason text NOT NULL,
        stock_after integer NOT NULL CONSTRAINT stock_movements_stock_after_check CHECK (stock_after >= 0),
        occurred_at timestamptz(3) NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX stock_movements_product_version_key ON stock_movements (product_id, product_version)`);

    // The outbox: written in the command's transaction, read by the relay after commit. `transaction_id` lets a reader
    // take only events whose transactions have all ended (below the snapshot's xmin), so that a transaction that
    // commits late with a lower position is never skipped.
    await q.query(`
      CREATE TABLE outbox_events (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        id uuid NOT NULL UNIQUE,
        type text NOT NULL,
        stream_type text NOT NULL,
        stream_id text NOT NULL,
        stream_version integer NOT NULL,
        payload jsonb NOT NULL,
        occurred_at timestamptz(3) NOT NULL,
        dispatched_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX outbox_events_order_idx ON outbox_events (transaction_id, position)`);

    // How far each subscriber (projector or publisher) got, and the event at its head that keeps failing, if any.
    await q.query(`
      CREATE TABLE projector_checkpoints (
        projector text PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT '0',
        position bigint NOT NULL DEFAULT 0,
        failing_position bigint,
        failing_attempts integer NOT NULL DEFAULT 0,
        retry_at timestamptz(3),
        last_error text,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE parked_events (
        projector text NOT NULL,
        event_position bigint NOT NULL,
        event_id uuid NOT NULL,
        attempts integer NOT NULL,
        last_error text NOT NULL,
        parked_at timestamptz(3) NOT NULL DEFAULT now(),
        resolved_at timestamptz(3),
        resolution text,
        PRIMARY KEY (projector, event_position)
      )`);
    await q.query(`CREATE INDEX parked_events_unresolved_idx ON parked_events (parked_at) WHERE resolved_at IS NULL`);

    // Read models: shaped for the queries, rebuilt at will from the write model (npm run projections:rebuild).
    // A deleted product stays as a tombstone (deleted_at), so that an older event arriving late cannot resurrect it.
    await q.query(`
      CREATE TABLE product_views (
        id uuid PRIMARY KEY,
        sku text NOT NULL,
        name text NOT NULL,
        description text,
        price_cents integer NOT NULL,
        currency char(3) NOT NULL,
        stock_on_hand integer NOT NULL,
        version integer NOT NULL,
        owner_id text NOT NULL,
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        deleted_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX product_views_created_at_id_idx ON product_views (created_at DESC, id DESC) WHERE deleted_at IS NULL`);
    await q.query(`
      CREATE TABLE stock_movement_views (
        id uuid PRIMARY KEY,
        product_id uuid NOT NULL,
        delta integer NOT NULL,
        reason text NOT NULL,
        stock_after integer NOT NULL,
        occurred_at timestamptz(3) NOT NULL
      )`);
    await q.query(`CREATE INDEX stock_movement_views_product_idx ON stock_movement_views (product_id, occurred_at DESC, id DESC)`);

    // Products written before this migration have no events: their view comes straight from the write model.
    await q.query(`
      INSERT INTO product_views (id, sku, name, description, price_cents, currency, stock_on_hand, version, owner_id, created_at, updated_at, deleted_at)
      SELECT id, sku, name, description, price_cents, currency, stock_on_hand, version, owner_id, created_at, updated_at, deleted_at FROM products`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stock_movement_views`);
    await q.query(`DROP TABLE product_views`);
    await q.query(`DROP TABLE parked_events`);
    await q.query(`DROP TABLE projector_checkpoints`);
    await q.query(`DROP TABLE outbox_events`);
    await q.query(`DROP TABLE stock_movements`);
    await q.query(`DELETE FROM products WHERE deleted_at IS NOT NULL`);
    await q.query(`DROP INDEX products_sku_key`);
    await q.query(`CREATE UNIQUE INDEX products_sku_key ON products (sku)`);
    await q.query(`ALTER TABLE products DROP COLUMN deleted_at`);
  }
}
