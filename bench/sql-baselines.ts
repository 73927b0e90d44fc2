import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** One statement of a baseline transaction: the text (shown in the report) and its parameters for request `n`. */
type Statement = { text: string; values: (n: number, state: TxState) => unknown[] };
type TxState = { now: Date; productId: string; auditId: string; requestId: string; result?: pg.QueryResult };

export interface SqlTransaction {
  /** The statements between BEGIN and COMMIT, as the report prints them. */
  statements: string[];
  run(client: pg.PoolClient): Promise<void>;
}

export type Baseline = { available: true; transaction: SqlTransaction } | { available: false; reason: string };

const AUDIT_INSERT =
  'INSERT INTO "audit_events"("id", "occurred_at", "actor_sub", "actor_issuer", "actor_client_id", "api_key_id", "action", ' +
  '"resource_type", "resource_id", "changes", "request_id", "ip", "user_agent") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)';

/**
 * The SQL of POST /v1/products as src/products/commands/create-product/create-product.handler.ts sends it through
 * TypeORM (the texts are TypeORM's own, so the server parses and plans the same statements), with the same values:
 * a product row, then an audit row with the before/after of every audited field.
 */
export async function createProductBaseline(pool: pg.Pool, who: Actor, skuPrefix: string): Promise<Baseline> {
  const outbox = await outboxInsert(pool);
  const statements: Statement[] = [
    {
      text:
        'INSERT INTO "products"("id", "sku", "name", "description", "price_cents", "currency", "stock_on_hand", "version", ' +
        '"owner_id", "created_at", "updated_at") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING "stock_on_hand"',
      values: (n, s) => [s.productId, `${skuPrefix}${n}`, 'Bench product', null, 1299, 'EUR', 0, 1, who.sub, s.now, s.now],
    },
    {
      text: AUDIT_INSERT,
      values: (n, s) =>
        auditValues(s, who, 'products.create', s.productId, {
          sku: { before: null, after: `${skuPrefix}${n}` },
          name: { before: null, after: 'Bench product' },
          priceCents: { before: null, after: 1299 },
          currency: { before: null, after: 'EUR' },
          stockOnHand: { before: null, after: 0 },
          ownerId: { before: null, after: who.sub },
        }),
    },
    ...(outbox ? [outbox] : []),
  ];
  return { available: true, transaction: transaction(statements) };
}

/**
 * POST /v1/products/{id}/stock-adjustments (+1) as the contract describes it, in the fewest round trips: one UPDATE
 * that checks and changes the stock, a stock_movements row, an audit row, and an outbox row if there is an outbox.
 * The movement's columns are read from the database, so the row is as wide as the app's.
 */
export async function adjustStockBaseline(pool: pg.Pool, who: Actor, productIds: string[]): Promise<Baseline> {
  const movement = await genericInsert(pool, 'stock_movements', {
    product_id: (s) => s.productId,
    delta: () => 1,
    reason: () => 'bench',
    stock_after: (s) => s.result?.rows[0]?.stock_on_hand,
    stock_on_hand: (s) => s.result?.rows[0]?.stock_on_hand,
  });
  if (!movement) return { available: false, reason: 'no stock_movements table on this branch' };
  const outbox = await outboxInsert(pool);
  const statements: Statement[] = [
    {
      text:
        'UPDATE "products" SET "stock_on_hand" = "stock_on_hand" + $2, "version" = "version" + 1, "updated_at" = $3 ' +
        'WHERE "id" = $1 AND "stock_on_hand" + $2 >= 0 RETURNING "stock_on_hand", "version"',
      values: (_, s) => [s.productId, 1, s.now],
    },
    movement,
    {
      text: AUDIT_INSERT,
      values: (_, s) => {
        const after = s.result?.rows[0]?.stock_on_hand as number;
        return auditValues(s, who, 'products.adjust-stock', s.productId, { stockOnHand: { before: after - 1, after } });
      },
    },
    ...(outbox ? [outbox] : []),
  ];
  return { available: true, transaction: transaction(statements, (n) => productIds[n % productIds.length]!) };
}

export interface Actor {
  sub: string;
  issuer: string;
}

function auditValues(s: TxState, who: Actor, action: string, resourceId: string, changes: object): unknown[] {
  return [s.auditId, s.now, who.sub, who.issuer, 'bench', null, action, 'product', resourceId, JSON.stringify(changes), s.requestId, '127.0.0.1', 'autocannon'];
}

function transaction(statements: Statement[], productFor?: (n: number) => string): SqlTransaction {
  let count = 0;
  return {
    statements: statements.map((s) => s.text),
    async run(client) {
      const n = count++;
      const state: TxState = { now: new Date(), productId: productFor?.(n) ?? randomUUID(), auditId: randomUUID(), requestId: randomUUID() };
      for (const statement of statements) {
        const result = await client.query(statement.text, statement.values(n, state));
        // The first statement's result (the UPDATE's RETURNING) feeds the later rows, as in a handler.
        state.result ??= result;
      }
    },
  };
}

/** An outbox row per write, when the schema has an outbox (a table whose name starts with "outbox"). */
async function outboxInsert(pool: pg.Pool): Promise<Statement | null> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'outbox%' ORDER BY 1 LIMIT 1`,
  );
  return rows[0] ? genericInsert(pool, rows[0].name, {}) : null;
}

type Filler = (s: TxState) => unknown;

/**
 * An INSERT of one row into `table` for a table this branch does not know: `known` columns by name, the other
 * required ones by type (a fresh uuid, a short text, 1, now, {}); nullable columns and those with a default are left
 * out (an outbox row is unpublished). Null when the table does not exist.
 */
async function genericInsert(pool: pg.Pool, table: string, known: Record<string, Filler>): Promise<Statement | null> {
  const { rows } = await pool.query<{ name: string; type: string; optional: boolean }>(
    `SELECT column_name AS name, data_type AS type,
            column_default IS NOT NULL OR is_identity = 'YES' OR is_nullable = 'YES' AS optional
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  if (rows.length === 0) return null;
  const columns = rows.filter((c) => known[c.name] || !c.optional);
  const fill = columns.map((c) => known[c.name] ?? byType(table, c.name, c.type));
  return {
    text: `INSERT INTO "${table}"(${columns.map((c) => `"${c.name}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    values: (_, s) => fill.map((f) => f(s)),
  };
}

function byType(table: string, column: string, type: string): Filler {
  if (column === 'id' || type === 'uuid') return () => randomUUID();
  if (type === 'text' || type.startsWith('character')) return () => 'bench';
  if (['integer', 'bigint', 'smallint', 'numeric'].includes(type)) return () => 1;
  if (type.startsWith('timestamp')) return (s) => s.now;
  if (type === 'jsonb' || type === 'json') return () => '{}';
  if (type === 'boolean') return () => false;
  throw new Error(`The baseline cannot fill ${table}.${column} (${type}): write its statement in bench/sql-baselines.ts`);
}
