import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, startTestApp, unique, type TestApp } from '../support/test-app.js';
import { newProduct, productsApi } from '../support/products.js';

const count = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

describe('products: concurrent writes', () => {
  let t: TestApp;
  let api: ReturnType<typeof productsApi>;
  let token: string;

  before(async () => {
    t = await startTestApp();
    api = productsApi(t, (await t.createApiKey()).key);
    token = await t.token({ sub: unique('alice'), scope: 'products:write inventory:write' });
  });
  after(() => t.close());

  it('100 concurrent +1 adjustments without If-Match: exactly +100 and 100 movements, none lost', async () => {
    const { body: p } = await api.create(token);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => api.adjust(p.id, token, 1, `unit ${i}`)));
    assert.deepEqual(count(results.map((r) => r.status)), { 201: 100 });
    assert.deepEqual(results.map((r) => r.body.stockOnHand).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1));

    const read = await api.get(p.id);
    assert.equal(read.body.stockOnHand, 100);
    assert.equal(read.body.version, 101);
    const movements = await api.all(`/v1/products/${p.id}/stock-movements`, 30);
    assert.equal(movements.length, 100);
    // Newest first is version order: stock after each movement counts down from 100.
    assert.deepEqual(movements.map((m) => m.stockAfter), Array.from({ length: 100 }, (_, i) => 100 - i));
    const [{ rows, audits }] = await t.db.query(
      `SELECT (SELECT count(*)::int FROM stock_movements WHERE product_id = $1) AS rows,
              (SELECT count(*)::int FROM audit_events WHERE resource_id = $1::text AND action = 'products.adjust-stock') AS audits`,
      [p.id],
    );
    assert.deepEqual({ rows, audits }, { rows: 100, audits: 100 });
  });

  it('concurrent takes never drive stock below zero: exactly the available ones succeed', async () => {
    const { body: p } = await api.create(token);
    assert.equal((await api.adjust(p.id, token, 10)).status, 201);
    const results = await Promise.all(Array.from({ length: 25 }, () => api.adjust(p.id, token, -1, 'sold')));
    assert.deepEqual(count(results.map((r) => r.status)), { 201: 10, 409: 15 });
    assert.equal((await api.get(p.id)).body.stockOnHand, 0);
  });

  it('concurrent creates with one sku: exactly one 201, the rest 409, one row and one audit event', async () => {
    const sku = unique('RACE');
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        t.request('POST', '/v1/products', { headers: bearer(await t.token({ scope: 'products:write' })), body: newProduct({ sku, name: `N${i}` }) }),
      ),
    );
    assert.deepEqual(count(results.map((r) => r.status)), { 201: 1, 409: 19 });
    const [{ n, audits }] = await t.db.query(
      `SELECT (SELECT count(*)::int FROM products WHERE sku = $1) AS n,
              (SELECT count(*)::int FROM audit_events WHERE action = 'products.create' AND changes->'sku'->>'after' = $1) AS audits`,
      [sku],
    );
    assert.deepEqual({ n, audits }, { n: 1, audits: 1 });
  });

  it('concurrent PATCHes with the same If-Match: one 200, the others 412 (optimistic concurrency)', async () => {
    const created = await api.create(token);
    const etag = created.headers.get('etag')!;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.patch(created.body.id, token, { name: `Writer ${i}` }, { 'if-match': etag })),
    );
    assert.deepEqual(count(results.map((r) => r.status)), { 200: 1, 412: 9 });
    const winner = results.find((r) => r.status === 200)!;
    const read = await api.get(created.body.id);
    assert.equal(read.body.name, winner.body.name);
    assert.equal(read.body.version, 2);
  });
});
