import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withAuditFailureFor } from '../support/audit-failure.js';
import { apiKey, bearer, startTestApp, unique, type TestApp } from '../support/test-app.js';

describe('audit trail', () => {
  let t: TestApp;
  let key: string;
  let reader: string;
  before(async () => {
    t = await startTestApp();
    key = (await t.createApiKey()).key;
    reader = await t.token({ scope: 'audit:read' });
  });
  after(() => t.close());

  it('every created product has exactly one audit row naming the user and the request', async () => {
    const sub = unique('alice');
    const token = await t.token({ sub, scope: 'products:write' });
    const created = await t.request('POST', '/v1/products', {
      headers: { ...bearer(token), 'x-request-id': 'req-audit-1', 'user-agent': 'audit-test/1.0' },
      body: { sku: unique('SKU'), name: 'Lamp', priceCents: 5000, currency: 'GBP' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('x-request-id'), 'req-audit-1');

    const res = await t.request('GET', `/v1/audit-events?resourceType=product&resourceId=${created.body.id}`, {
      headers: { ...apiKey(key), ...bearer(reader) },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.length, 1);
    const [event] = res.body.data;
    assert.equal(event.action, 'products.create');
    assert.deepEqual(event.actor, { sub, issuer: t.config.auth.issuer, clientId: 'test-client' });
    assert.equal(event.apiKeyId, null);
    assert.equal(event.requestId, 'req-audit-1');
    assert.equal(event.userAgent, 'audit-test/1.0');
    assert.equal(event.ip, '127.0.0.1');
    assert.deepEqual(event.changes.name, { before: null, after: 'Lamp' });
    assert.deepEqual(event.changes.priceCents, { before: null, after: 5000 });
  });

  it('filters by actor and action, pages newest first', async () => {
    const sub = unique('bob');
    const token = await t.token({ sub, scope: 'products:write' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.request('POST', '/v1/products', { headers: bearer(token), body: { sku: unique('SKU'), name: `P${i}`, priceCents: 1, currency: 'EUR' } });
      ids.push(r.body.id);
    }
    const first = await t.request('GET', `/v1/audit-events?actor=${sub}&action=products.create&limit=2`, { headers: { ...apiKey(key), ...bearer(reader) } });
    assert.deepEqual(first.body.data.map((e: { resourceId: string }) => e.resourceId), [ids[2], ids[1]]);
    const second = await t.request('GET', `/v1/audit-events?actor=${sub}&action=products.create&limit=2&cursor=${first.body.nextCursor}`, { headers: { ...apiKey(key), ...bearer(reader) } });
    assert.deepEqual(second.body.data.map((e: { resourceId: string }) => e.resourceId), [ids[0]]);
    assert.equal(second.body.nextCursor, null);
    const future = await t.request('GET', `/v1/audit-events?actor=${sub}&since=2999-01-01T00:00:00Z`, { headers: { ...apiKey(key), ...bearer(reader) } });
    assert.equal(future.body.data.length, 0);
    const bad = await t.request('GET', `/v1/audit-events?since=yesterday`, { headers: { ...apiKey(key), ...bearer(reader) } });
    assert.equal(bad.status, 400);
  });

  it('since and until take RFC 3339 instants; other ISO 8601 forms are a 400 naming the field', async () => {
    const headers = { ...apiKey(key), ...bearer(reader) };
    for (const good of ['2026-01-01', '2026-01-01T23:59:59Z', '2026-01-01T00:00:00.123456+02:00', '0001-01-01T00:00:00Z']) {
      const res = await t.request('GET', `/v1/audit-events?since=${encodeURIComponent(good)}&limit=1`, { headers });
      assert.equal(res.status, 200, good);
    }
    const inherited = await t.request('GET', '/v1/audit-events?valueOf=1', { headers });
    assert.deepEqual([inherited.status, inherited.body.errors?.[0]?.field], [400, 'valueOf']);
    for (const odd of ['2026-W01-1', '20260101T000000Z', '2026-01-01T0000', '2026-01-01T00:00:00,5Z', '2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T00:00:00', '2026-01-01T00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:60:00Z']) {
      for (const field of ['since', 'until']) {
        const res = await t.request('GET', `/v1/audit-events?${field}=${encodeURIComponent(odd)}`, { headers });
        assert.equal(res.status, 400, `${field}=${odd}`);
        assert.equal(res.body.errors?.[0]?.field, field, `${field}=${odd}`);
      }
    }
  });

  it('is append-only: UPDATE, DELETE and TRUNCATE raise', async () => {
    for (const sql of ["UPDATE audit_events SET action = 'x'", 'DELETE FROM audit_events', 'TRUNCATE audit_events']) {
      await assert.rejects(t.db.query(sql), /append-only/, sql);
    }
  });

  it('when the audit insert fails, the product is not created', async () => {
    const sku = unique('ROLLBACK');
    await withAuditFailureFor(t.db, sku, async () => {
      const res = await t.request('POST', '/v1/products', {
        headers: bearer(await t.token({ scope: 'products:write' })),
        body: { sku, name: 'Ghost', priceCents: 1, currency: 'EUR' },
      });
      assert.equal(res.status, 500);
      assert.equal(res.body.detail, 'An unexpected error occurred.');
      assert.ok(!res.text.includes('injected'));
      const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM products WHERE sku = $1', [sku]);
      assert.equal(n, 0);
    });
  });
});
