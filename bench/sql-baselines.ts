import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { INSERT_AUDIT_EVENT } from '../src/audit/audit-log.js';
import { INSERT_OUTBOX_EVENT } from '../src/outbox/outbox.js';
import { LIMIT_INLINE_LOCK_WAIT } from '../src/outbox/unit-of-work.js';
import { INSERT_PRODUCT, INSERT_STOCK_MOVEMENT, SELECT_PRODUCT_FOR_UPDATE, UPDATE_PRODUCT } from '../src/products/product.repository.js';
import { UPSERT_PRODUCT_VIEW } from '../src/products/read-models/product-views.projector.js';
import { INSERT_STOCK_MOVEMENT_VIEW } from '../src/products/read-models/stock-movement-views.projector.js';

/**
 * The write baselines: the app's transaction for one request, sent directly through `pg` (the app's own statement
 * texts, imported from src, so PostgreSQL parses and plans the same statements, with values of the same shape). They
 * run in a database of their own (see openBaselineDatabase), migrated like the app's.
 */
type Statement = { text: string; values: (s: TxState) => unknown[] };
type TxState = { n: number; now: Date; productId: string; auditId: string; eventId: string; requestId: string; product?: ProductRow };
type ProductRow = { sku: string; name: string; description: string | null; priceCents: number; currency: string; stockOnHand: number; version: number };

export interface SqlTransaction {
  /** The statements between BEGIN and COMMIT, as the report prints them. */
  statements: string[];
  run(client: pg.PoolClient): Promise<void>;
}

export type Baseline = { available: true; transaction: SqlTransaction } | { available: false; reason: string };

export interface Actor {
  sub: string;
  issuer: string;
}

/**
 * POST /v1/products: the product row and its audit event. Where the schema has an outbox, the app also appends the
 * outbox event and projects it into product_views in the same transaction: so does this. (A create has no product to
 * lock: its id is new.)
 */
export async function createProductBaseline(pool: pg.Pool, who: Actor, skuPrefix: string): Promise<Baseline> {
  const schema = await schemaOf(pool);
  const product = (s: TxState) => productJson(s, `${skuPrefix}${s.n}`, who.sub, 0, 1);
  const statements: Statement[] = [
    {
      text: INSERT_PRODUCT,
      values: (s) => [s.productId, `${skuPrefix}${s.n}`, 'Bench product', null, 1299, 'EUR', 0, 1, who.sub, s.now, s.now],
    },
    {
      text: INSERT_AUDIT_EVENT,
      values: (s) =>
        auditValues(s, who, 'products.create', {
          sku: { before: null, after: `${skuPrefix}${s.n}` },
          name: { before: null, after: 'Bench product' },
          priceCents: { before: null, after: 1299 },
          currency: { before: null, after: 'EUR' },
          stockOnHand: { before: null, after: 0 },
          ownerId: { before: null, after: who.sub },
        }),
    },
  ];
  if (schema.outbox) statements.push(outboxInsert('ProductCreated', 1, (s) => ({ product: product(s) })), lockWaitLimit, productViewUpsert(product));
  return { available: true, transaction: transaction(statements) };
}

/**
 * POST /v1/products/{id}/stock-adjustments {delta: 1}: the product locked and read, its stock and version updated, the
 * movement, the audit event, the outbox event and its two projections (product_views, stock_movement_views). Over
 * `count` products of the baseline database (created here if it has fewer), in turn, as the app's scenario goes over
 * the seeded ones.
 */
export async function adjustStockBaseline(pool: pg.Pool, who: Actor, count: number, skuPrefix: string): Promise<Baseline> {
  const schema = await schemaOf(pool);
  if (!schema.stockMovements) return { available: false, reason: 'no stock_movements table on this branch' };
  const ids = await productsToAdjust(pool, who, count, skuPrefix);
  const after = (s: TxState) => ({ stock: s.product!.stockOnHand + 1, version: s.product!.version + 1 });
  const statements: Statement[] = [
    { text: SELECT_PRODUCT_FOR_UPDATE, values: (s) => [s.productId] },
    {
      text: UPDATE_PRODUCT,
      values: (s) => {
        const p = s.product!;
        return [s.productId, p.version, p.sku, p.name, p.description, p.priceCents, p.currency, after(s).stock, after(s).version, s.now, null];
      },
    },
    {
      text: INSERT_STOCK_MOVEMENT,
      values: (s) => [s.eventId, s.productId, after(s).version, 1, 'bench', after(s).stock, s.now],
    },
    {
      text: INSERT_AUDIT_EVENT,
      values: (s) =>
        auditValues(s, who, 'products.adjust-stock', {
          stockOnHand: { before: s.product!.stockOnHand, after: after(s).stock },
          movement: { before: null, after: { id: s.eventId, delta: 1, reason: 'bench' } },
        }),
    },
  ];
  if (schema.outbox) {
    const product = (s: TxState) => productJson(s, s.product!.sku, who.sub, after(s).stock, after(s).version);
    const movement = (s: TxState) => ({ id: s.eventId, delta: 1, reason: 'bench', stockAfter: after(s).stock });
    statements.push(
      outboxInsert('StockAdjusted', (s) => after(s).version, (s) => ({ movement: movement(s), product: product(s) })),
      lockWaitLimit,
      productViewUpsert(product),
      {
        text: INSERT_STOCK_MOVEMENT_VIEW,
        values: (s) => [s.eventId, s.productId, 1, 'bench', after(s).stock, s.now.toISOString()],
      },
    );
  }
  return { available: true, transaction: transaction(statements, (n) => ids[n % ids.length]!) };
}

interface Schema {
  stockMovements: boolean;
  outbox: boolean;
}

async function schemaOf(pool: pg.Pool): Promise<Schema> {
  const { rows } = await pool.query<Schema>(
    `SELECT to_regclass('stock_movements') IS NOT NULL AS "stockMovements",
            to_regclass('outbox_events') IS NOT NULL AS outbox`,
  );
  return rows[0]!;
}

async function productsToAdjust(pool: pg.Pool, who: Actor, count: number, skuPrefix: string): Promise<string[]> {
  const have = async () => (await pool.query<{ id: string }>('SELECT id FROM products ORDER BY created_at, id LIMIT $1', [count])).rows.map((r) => r.id);
  let ids = await have();
  if (ids.length < count) {
    const create = await createProductBaseline(pool, who, skuPrefix);
    if (!create.available) throw new Error(create.reason);
    const client = await pool.connect();
    try {
      for (let i = ids.length; i < count; i++) {
        await client.query('BEGIN');
        await create.transaction.run(client);
        await client.query('COMMIT');
      }
    } finally {
      client.release();
    }
    ids = await have();
  }
  return ids;
}

interface ProductJson {
  id: string;
  sku: string;
  name: string;
  description: null;
  priceCents: number;
  currency: string;
  stockOnHand: number;
  version: number;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}

function productJson(s: TxState, sku: string, owner: string, stockOnHand: number, version: number): ProductJson {
  const at = s.now.toISOString();
  return { id: s.productId, sku, name: 'Bench product', description: null, priceCents: 1299, currency: 'EUR', stockOnHand, version, ownerId: owner, createdAt: at, updatedAt: at };
}

/** Outbox.append's INSERT (src/outbox), not TypeORM's: the app's projectors apply the event in the same transaction. */
function outboxInsert(type: string, version: number | ((s: TxState) => number), payload: (s: TxState) => object): Statement {
  return {
    text: INSERT_OUTBOX_EVENT,
    values: (s) => [
      randomUUID(),
      type,
      'product',
      s.productId,
      typeof version === 'number' ? version : version(s),
      JSON.stringify(payload(s)),
      s.now,
      ['product-views', 'stock-movement-views'],
    ],
  };
}

/** UnitOfWork's bound on how long the inline projections wait for a view row. */
const lockWaitLimit: Statement = { text: LIMIT_INLINE_LOCK_WAIT, values: () => [] };

/** ProductViewsProjector's upsert, with the event's product as the projector reads it back from JSON. */
function productViewUpsert(product: (s: TxState) => ProductJson): Statement {
  return {
    text: UPSERT_PRODUCT_VIEW,
    values: (s) => {
      const p = product(s);
      return [p.id, p.sku, p.name, p.description, p.priceCents, p.currency, p.stockOnHand, p.version, p.ownerId, p.createdAt, p.updatedAt, null];
    },
  };
}

function auditValues(s: TxState, who: Actor, action: string, changes: object): unknown[] {
  return [s.auditId, s.now, who.sub, who.issuer, 'bench', null, action, 'product', s.productId, JSON.stringify(changes), s.requestId, '127.0.0.1', 'autocannon'];
}

function transaction(statements: Statement[], productFor?: (n: number) => string): SqlTransaction {
  let count = 0;
  return {
    // As the app's probe records them: whitespace collapsed.
    statements: statements.map((s) => s.text.replace(/\s+/g, ' ').trim()),
    async run(client) {
      const n = count++;
      const state: TxState = {
        n,
        now: new Date(),
        productId: productFor?.(n) ?? randomUUID(),
        auditId: randomUUID(),
        eventId: randomUUID(),
        requestId: randomUUID(),
      };
      for (const statement of statements) {
        const result = await client.query(statement.text, statement.values(state));
        // The locked product, when there is one: a stock adjustment computes its rows from it.
        state.product ??= result.rows[0]?.stockOnHand === undefined ? undefined : (result.rows[0] as ProductRow);
      }
    },
  };
}
