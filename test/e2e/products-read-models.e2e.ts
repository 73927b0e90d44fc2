import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { EventBus } from '@nestjs/cqrs';
import { DataSource, type EntityManager } from 'typeorm';
import { ReadModelChangedEvent } from '../../src/caching/read-model-changed.event.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { EventBusPublisher } from '../../src/outbox/event-bus.publisher.js';
import type { OutboxEvent } from '../../src/outbox/outbox-event.js';
import { OUTBOX_EVENT_COLUMNS, OutboxRelay, toOutboxEvent } from '../../src/outbox/outbox-relay.js';
import { ParkedEvents } from '../../src/outbox/parked-events.js';
import { ProductCreatedEvent } from '../../src/products/events/product-created.event.js';
import { ProductResponse } from '../../src/products/product.response.js';
import { ProductViewsProjector } from '../../src/products/read-models/product-views.projector.js';
import { StockMovementViewsProjector } from '../../src/products/read-models/stock-movement-views.projector.js';
import { withAuditFailureFor } from '../support/audit-failure.js';
import { bearer, startTestApp, unique, type HttpResult, type TestApp } from '../support/test-app.js';
import { eventually, newProduct, productsApi } from '../support/products.js';

const run = promisify(execFile);
const cli = (name: string) => fileURLToPath(new URL(`../../src/cli/${name}.cli.js`, import.meta.url));
const runCli = (name: string, args: string[] = []) =>
  run(process.execPath, [cli(name), ...args], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'cqrs-cli-')) },
  });

describe('products: read models, projectors and the outbox relay', () => {
  let t: TestApp;
  let api: ReturnType<typeof productsApi>;
  let token: string;

  before(async () => {
    // Quick retries, so that a failing event is parked within the test.
    t = await startTestApp({ PROJECTION_MAX_ATTEMPTS: '3', PROJECTION_RETRY_DELAY_MS: '20' });
    api = productsApi(t, (await t.createApiKey()).key);
    token = await t.token({ sub: unique('alice'), scope: 'products:write inventory:write' });
  });
  after(() => t.close());

  const outboxEvents = async (productId: string): Promise<OutboxEvent[]> =>
    (await t.db.query(`SELECT ${OUTBOX_EVENT_COLUMNS} FROM outbox_events WHERE stream_id = $1 ORDER BY position`, [productId])).map(toOutboxEvent);
  const checkpointPassed = async (projector: string, event: OutboxEvent): Promise<boolean> => {
    const [{ passed }] = await t.db.query(
      `SELECT (transaction_id, position) >= ($2::xid8, $3::bigint) AS passed FROM projector_checkpoints WHERE projector = $1`,
      [projector, event.transactionId.toString(), event.position.toString()],
    );
    return passed;
  };

  it('a projector that throws is retried, then parked where an operator sees it; later events and other projectors carry on', async () => {
    const relay = t.app.get(OutboxRelay);
    const poison = unique('POISON');
    const attempts = new Map<string, number>();
    const applied = new Set<string>();
    let broken = true;
    const name = unique('test-failing');
    await relay.register(
      {
        name,
        async handle(_tx, event) {
          attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
          if (broken && (event.payload as { product: { name: string } }).product.name === poison) throw new Error('injected projector failure');
          applied.add(event.streamId);
        },
      },
      { startAt: 'end' },
    );

    const a = await api.create(token, { name: poison });
    const b = await api.create(token);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    // The other projectors never waited for it.
    assert.equal((await api.get(a.body.id)).status, 200);
    assert.equal((await api.get(b.body.id)).status, 200);

    // `applied` changes inside the relay's transaction: wait for its commit too (the parked row).
    const [parked] = await eventually(
      async () => {
        const rows = applied.has(b.body.id) ? await t.app.get(ParkedEvents).list({ projector: name }) : [];
        return rows.length ? rows : null;
      },
      10_000,
      'the failing event to be parked and the next one applied',
    );
    assert.equal(parked.streamId, a.body.id);
    assert.equal(parked.type, 'ProductCreated');
    assert.equal(parked.attempts, 3);
    assert.equal(parked.lastError, 'injected projector failure');
    assert.equal(attempts.get(parked.eventId), 3);
    assert.equal(applied.has(a.body.id), false);
    assert.equal((await t.request('GET', '/health/live')).status, 200);

    // The operator's query: npm run projections:parked -- --projector <name>
    const { stdout } = await runCli('projections-parked', ['--projector', name]);
    const listed = stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(listed.map((p) => [p.streamId, p.attempts, p.lastError]), [[a.body.id, 3, 'injected projector failure']]);

    // Fixed: the operator applies it again (the same call as `--retry <position>` makes).
    broken = false;
    await t.app.get(ParkedEvents).retry(name, parked.eventPosition);
    assert.equal(applied.has(a.body.id), true);
    assert.deepEqual(await t.app.get(ParkedEvents).list({ projector: name }), []);
    const [resolved] = await t.app.get(ParkedEvents).list({ projector: name, includeResolved: true });
    assert.equal(resolved.resolution, 'retried');
  });

  it('projectors are idempotent: the same events again, or older ones after newer, change nothing', async () => {
    const { body: p } = await api.create(token);
    assert.equal((await api.adjust(p.id, token, 2)).status, 201);
    assert.equal((await api.patch(p.id, token, { name: 'Newer' })).status, 200);
    const snapshot = async () => ({
      view: await t.db.query(`SELECT * FROM product_views WHERE id = $1`, [p.id]),
      movements: await t.db.query(`SELECT * FROM stock_movement_views WHERE product_id = $1`, [p.id]),
    });
    const before = await snapshot();
    assert.equal(before.view[0].version, 3);
    assert.equal(before.movements.length, 1);

    const events = await outboxEvents(p.id);
    assert.deepEqual(events.map((e) => e.type), ['ProductCreated', 'StockAdjusted', 'ProductUpdated']);
    const projectors = [t.app.get(ProductViewsProjector), t.app.get(StockMovementViewsProjector)];
    const changed = await t.db.transaction(async (tx) => {
      const out: ReadModelChangedEvent[] = [];
      for (const e of [...events, ...[...events].reverse()]) for (const projector of projectors) out.push(...(await projector.handle(tx, e)));
      return out;
    });
    assert.deepEqual(changed, []);
    assert.deepEqual(await snapshot(), before);
  });

  it('two instances never apply one event twice', async () => {
    // A second relay with its own connection pool: to the database, another instance of the app.
    const pool = await new DataSource(dataSourceOptions(t.config, process.env.DATABASE_URL!)).initialize();
    const other = new OutboxRelay(pool, { publish: () => undefined } as unknown as EventBus, t.config);
    const name = unique('test-once');
    const seen: string[] = [];
    const counter = { name, handle: async (_tx: unknown, e: OutboxEvent) => void seen.push(e.id) };
    await t.app.get(OutboxRelay).register(counter, { startAt: 'end' });
    await other.register(counter);
    let writing = true;
    const competing = (async () => {
      while (writing) {
        await other.wake();
        await sleep(2);
      }
    })();
    try {
      const writer = await t.token({ scope: 'products:write' });
      const results = await Promise.all(
        Array.from({ length: 30 }, () => t.request('POST', '/v1/products', { headers: bearer(writer), body: newProduct() })),
      );
      assert.ok(results.every((r) => r.status === 201));
      const ids: string[] = (await t.db.query(`SELECT id FROM outbox_events WHERE stream_id = ANY($1)`, [results.map((r) => r.body.id)])).map(
        (r: { id: string }) => r.id,
      );
      assert.equal(ids.length, 30);
      await eventually(async () => ids.every((id) => seen.includes(id)), 10_000, 'both relays to catch up');
    } finally {
      writing = false;
      await competing;
      await other.beforeApplicationShutdown();
      await pool.destroy();
    }
    assert.equal(new Set(seen).size, seen.length, 'an event was applied twice');
  });

  it('before a write answers, its read models are announced as changed, once each (product and collection); its events are dispatched after', async () => {
    const received: ReadModelChangedEvent[] = [];
    const subscription = t.app.get(EventBus).subscribe((e) => {
      if (e instanceof ReadModelChangedEvent) received.push(e);
    });
    try {
      const { body: p } = await api.create(token);
      const adjusted = await api.adjust(p.id, token, 1);
      assert.equal(adjusted.status, 201);
      // Two writes of one product: its id once per write (both projectors changed it on the adjustment), the collection
      // once per write.
      assert.equal(received.filter((e) => e.resourceType === 'product' && e.resourceId === p.id).length, 2);
      assert.equal(received.filter((e) => e.resourceType === 'product' && e.resourceId === null).length, 2);
      await eventually(
        async () => {
          const rows = await t.db.query(`SELECT dispatched_at IS NOT NULL AS dispatched FROM outbox_events WHERE stream_id = $1`, [p.id]);
          return rows.length === 2 && rows.every((r: { dispatched: boolean }) => r.dispatched);
        },
        10_000,
        'the EventBus publisher to dispatch both events',
      );
    } finally {
      subscription.unsubscribe();
    }
  });

  it('a write projects its own events in its transaction, and the relay only moves the projectors past them', async () => {
    const projector = t.app.get(ProductViewsProjector);
    const original = projector.handle;
    const applied: string[] = [];
    projector.handle = async function (tx, event) {
      applied.push(event.id);
      return original.call(this, tx, event);
    };
    try {
      const { body: p } = await api.create(token);
      const [event] = await outboxEvents(p.id);
      assert.deepEqual(applied, [event.id]);
      const [{ projectedBy }] = await t.db.query(`SELECT projected_by AS "projectedBy" FROM outbox_events WHERE id = $1`, [event.id]);
      assert.deepEqual(projectedBy.sort(), ['product-views', 'stock-movement-views']);
      await eventually(async () => (await checkpointPassed('product-views', event)) && (await checkpointPassed('stock-movement-views', event)), 10_000, 'the checkpoints to pass the event');
      assert.deepEqual(applied, [event.id]);
    } finally {
      projector.handle = original;
    }
  });

  it('an event appended without inline projection (an older release, say) is projected and dispatched by the relay', async () => {
    const { body: p } = await api.create(token);
    const [created] = await outboxEvents(p.id);
    // What a release without inline projection writes: the write model and its event, no read model, no projected_by.
    const movementId = randomUUID();
    const product = { ...(created.payload as { product: { updatedAt: string } }).product, stockOnHand: 4, version: 2 };
    const movement = { id: movementId, productId: p.id, delta: 4, reason: 'Legacy', stockAfter: 4, occurredAt: product.updatedAt };
    await t.db.transaction(async (tx) => {
      await tx.query(`UPDATE products SET stock_on_hand = 4, version = 2 WHERE id = $1`, [p.id]);
      await tx.query(`INSERT INTO stock_movements (id, product_id, product_version, delta, reason, stock_after, occurred_at) VALUES ($1, $2, 2, 4, 'Legacy', 4, $3)`, [
        movementId,
        p.id,
        product.updatedAt,
      ]);
      await tx.query(
        `INSERT INTO outbox_events (id, type, stream_type, stream_id, stream_version, payload, occurred_at) VALUES ($1, 'StockAdjusted', 'product', $2, 2, $3, $4)`,
        [randomUUID(), p.id, JSON.stringify({ type: 'StockAdjusted', product, movement }), product.updatedAt],
      );
    });
    void t.app.get(OutboxRelay).wake();
    await eventually(async () => (await api.get(p.id)).body.stockOnHand === 4, 10_000, 'the relay to project the product view');
    const movements = await api.all(`/v1/products/${p.id}/stock-movements`);
    assert.deepEqual(movements.map((m) => [m.id, m.delta, m.reason]), [[movementId, 4, 'Legacy']]);
    await eventually(
      async () => (await t.db.query(`SELECT 1 FROM outbox_events WHERE stream_id = $1 AND dispatched_at IS NULL`, [p.id])).length === 0,
      10_000,
      'the relay to dispatch it',
    );
  });

  it('a projector that throws inside the command: the write commits once without it, and the relay projects it', async () => {
    const projector = t.app.get(ProductViewsProjector);
    const original = projector.handle;
    const name = unique('Broken inline');
    let failures = 0;
    projector.handle = async function (tx, event) {
      // Once, and only for this product: the relay's later attempt succeeds.
      if ((event.payload as { product: { name: string } }).product.name === name && failures === 0) {
        failures++;
        await tx.query(`SELECT 1 / 0`);
      }
      return original.call(this, tx, event);
    };
    try {
      const created = await api.create(token, { name });
      assert.equal(created.status, 201);
      assert.equal(failures, 1);
      const id = created.body.id;
      const [{ products, audits, events, projectedBy }] = await t.db.query(
        `SELECT (SELECT count(*)::int FROM products WHERE id = $1) AS products,
                (SELECT count(*)::int FROM audit_events WHERE resource_id = $1::text) AS audits,
                (SELECT count(*)::int FROM outbox_events WHERE stream_id = $1::text) AS events,
                (SELECT projected_by FROM outbox_events WHERE stream_id = $1::text) AS "projectedBy"`,
        [id],
      );
      // The other projector still ran inline; the broken one is left to the relay.
      assert.deepEqual({ products, audits, events, projectedBy }, { products: 1, audits: 1, events: 1, projectedBy: ['stock-movement-views'] });
      const view = await eventually(async () => {
        const r = await api.get(id);
        return r.status === 200 ? r.body : null;
      }, 10_000, 'the relay to project the product');
      assert.deepEqual(view, created.body);
    } finally {
      projector.handle = original;
    }
  });

  it('the relay hands ProductCreated to EventBus handlers as ProductCreatedEvent', async () => {
    const created = await api.create(token, { description: 'Relayed' });
    const [event] = await outboxEvents(created.body.id);
    const published: unknown[] = [];
    const subscription = t.app.get(EventBus).subscribe((e) => published.push(e));
    try {
      await t.db.transaction((tx) => t.app.get(EventBusPublisher).handle(tx, event));
    } finally {
      subscription.unsubscribe();
    }
    const bus = published.find((e): e is ProductCreatedEvent => e instanceof ProductCreatedEvent);
    assert.ok(bus);
    assert.ok(bus.product.createdAt instanceof Date);
    assert.deepEqual(ProductResponse.from(bus.product), created.body);
  });

  it('a write that rolls back leaves no outbox event and no projection (nothing is published before commit)', async () => {
    const sku = unique('ROLLBACK');
    const published: unknown[] = [];
    const subscription = t.app.get(EventBus).subscribe((e) => published.push(e));
    try {
      await withAuditFailureFor(t.db, sku, async () => assert.equal((await api.create(token, { sku })).status, 500));
    } finally {
      subscription.unsubscribe();
    }
    const [{ events, views }] = await t.db.query(
      `SELECT (SELECT count(*)::int FROM outbox_events WHERE payload->'product'->>'sku' = $1) AS events,
              (SELECT count(*)::int FROM product_views WHERE sku = $1) AS views`,
      [sku],
    );
    assert.deepEqual({ events, views }, { events: 0, views: 0 });
    assert.ok(!published.some((e) => e instanceof ProductCreatedEvent && e.product.sku === sku));
  });

  it('a rebuild keeps the view of a write that committed while it ran (between its DELETE and its INSERT)', async () => {
    let created: HttpResult | undefined;
    await t.db.transaction(async (tx) => {
      const interleaved = {
        async query(sql: string, params?: unknown[]) {
          const result = await tx.query(sql, params);
          if (sql.startsWith('DELETE')) created = await api.create(token);
          return result;
        },
      };
      await t.app.get(ProductViewsProjector).rebuild(interleaved as unknown as EntityManager);
    });
    assert.equal(created?.status, 201);
    assert.deepEqual((await api.get(created.body.id)).body, created.body);
  });

  it('a write to a product whose view row a rebuild holds answers at once; the relay projects it once the rebuild commits', async () => {
    const { body: p } = await api.create(token);
    let patched: HttpResult | undefined;
    let took = 0;
    await t.db.transaction(async (tx) => {
      const interleaved = {
        async query(sql: string, params?: unknown[]) {
          const result = await tx.query(sql, params);
          if (sql.startsWith('DELETE')) {
            const started = Date.now();
            patched = await api.patch(p.id, token, { name: 'During rebuild' });
            took = Date.now() - started;
          }
          return result;
        },
      };
      await t.app.get(ProductViewsProjector).rebuild(interleaved as unknown as EntityManager);
    });
    assert.equal(patched?.status, 200);
    assert.ok(took < 3000, `the write waited ${took} ms for the rebuild`);
    const view = await eventually(async () => {
      const r = await api.get(p.id);
      return r.body?.version === 2 ? r.body : null;
    }, 10_000, 'the relay to project the write');
    assert.deepEqual(view, patched.body);
  });

  it('npm run projections:rebuild rebuilds the read models from the write model', async () => {
    const { body: p } = await api.create(token);
    assert.equal((await api.adjust(p.id, token, 3, 'Delivery')).status, 201);
    const expected = (await api.get(p.id)).body;
    await t.db.query(`UPDATE product_views SET name = 'corrupt', stock_on_hand = 999 WHERE id = $1`, [p.id]);
    await t.db.query(`DELETE FROM stock_movement_views WHERE product_id = $1`, [p.id]);

    const { stdout } = await runCli('projections-rebuild');
    // Projectors register as their modules start, in no fixed order.
    assert.deepEqual(/^Rebuilt: (.*)$/m.exec(stdout)?.[1].split(', ').sort(), ['product-views', 'stock-movement-views']);
    const [view] = await t.db.query(`SELECT name, stock_on_hand AS "stockOnHand", version FROM product_views WHERE id = $1`, [p.id]);
    assert.deepEqual(view, { name: expected.name, stockOnHand: 3, version: 2 });
    const movements = await api.all(`/v1/products/${p.id}/stock-movements`);
    assert.deepEqual(movements.map((m) => [m.delta, m.reason, m.stockAfter]), [[3, 'Delivery', 3]]);
  });
});
