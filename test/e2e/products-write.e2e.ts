import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiKey, bearer, startTestApp, unique, type TestApp } from '../support/test-app.js';
import { productsApi } from '../support/products.js';

describe('products: change, delete and stock through HTTP', () => {
  let t: TestApp;
  let api: ReturnType<typeof productsApi>;
  let key: string;
  let owner: string;
  let ownerToken: string;
  let reader: string;

  before(async () => {
    t = await startTestApp();
    key = (await t.createApiKey()).key;
    api = productsApi(t, key);
    owner = unique('alice');
    ownerToken = await t.token({ sub: owner, scope: 'products:write inventory:write' });
    reader = await t.token({ scope: 'audit:read' });
  });
  after(() => t.close());

  const created = async (over: Record<string, unknown> = {}) => {
    const res = await api.create(ownerToken, over);
    assert.equal(res.status, 201, res.text);
    return res;
  };
  const audit = async (id: string, action?: string) => {
    const res = await t.request('GET', `/v1/audit-events?resourceType=product&resourceId=${id}${action ? `&action=${action}` : ''}`, {
      headers: { ...apiKey(key), ...bearer(reader) },
    });
    assert.equal(res.status, 200);
    return res.body.data as any[];
  };

  it('PATCH changes the given fields: 200, a new version and ETag, the audit before/after, and a GET right after sees it', async () => {
    const { body: p, headers } = await created({ description: 'Blue' });
    const res = await api.patch(p.id, ownerToken, { name: 'Cup', priceCents: 1500, description: 'Blue' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.name, 'Cup');
    assert.equal(res.body.priceCents, 1500);
    assert.equal(res.body.version, 2);
    assert.equal(res.body.ownerId, owner);
    assert.equal(res.headers.get('etag'), `"${p.id}.2"`);
    assert.notEqual(res.headers.get('etag'), headers.get('etag'));
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.ok(res.body.updatedAt > p.updatedAt);

    const read = await api.get(p.id);
    assert.deepEqual(read.body, res.body);
    assert.equal(read.headers.get('etag'), res.headers.get('etag'));

    const [event] = await audit(p.id, 'products.update');
    assert.deepEqual(event.changes, { name: { before: 'Mug', after: 'Cup' }, priceCents: { before: 1299, after: 1500 } });
    assert.equal(event.actor.sub, owner);
  });

  it('PATCH sku: a free one is taken, a taken one is a 409 and nothing changes', async () => {
    const { body: a } = await created();
    const { body: b } = await created();
    const fresh = unique('SKU');
    assert.equal((await api.patch(a.id, ownerToken, { sku: fresh })).body.sku, fresh);
    const clash = await api.patch(b.id, ownerToken, { sku: fresh, name: 'Other' });
    assert.equal(clash.status, 409);
    assert.equal(clash.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.deepEqual((await api.get(b.id)).body, b);
    assert.equal((await audit(b.id, 'products.update')).length, 0);
  });

  it('PATCH refuses an empty body, invalid values and fields a client may not set (400), and stores nothing', async () => {
    const { body: p } = await created();
    const cases: [unknown, string[]][] = [
      [{}, ['body']],
      [{ id: '00000000-0000-4000-8000-000000000000' }, ['id']],
      [{ ownerId: 'mallory', name: 'X' }, ['ownerId']],
      [{ version: 99 }, ['version']],
      [{ stockOnHand: 1000 }, ['stockOnHand']],
      [{ createdAt: '2000-01-01T00:00:00Z' }, ['createdAt']],
      [{ updatedAt: '2000-01-01T00:00:00Z' }, ['updatedAt']],
      [{ name: null }, ['name']],
      [{ sku: null }, ['sku']],
      [{ priceCents: -1 }, ['priceCents']],
      [{ priceCents: 1.5 }, ['priceCents']],
      [{ currency: 'XYZ' }, ['currency']],
      [{ currency: 'eur' }, ['currency']],
    ];
    for (const [body, fields] of cases) {
      const res = await api.patch(p.id, ownerToken, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      for (const f of fields) assert.ok(res.body.errors?.some((e: { field: string }) => e.field === f), `${JSON.stringify(body)}: ${res.text}`);
    }
    const noBody = await t.request('PATCH', `/v1/products/${p.id}`, { headers: bearer(ownerToken) });
    assert.equal(noBody.status, 400);
    assert.deepEqual((await api.get(p.id)).body, p);
    assert.equal((await audit(p.id, 'products.update')).length, 0);
  });

  it('writes take no query parameters: one is a 400 naming it, and nothing is written', async () => {
    const { body: p } = await created();
    const sku = unique('DRY');
    const writes: [string, string, unknown][] = [
      ['POST', '/v1/products?dryRun=true', { sku, name: 'N', priceCents: 1, currency: 'EUR' }],
      ['PATCH', `/v1/products/${p.id}?dryRun=true`, { name: 'changed' }],
      ['DELETE', `/v1/products/${p.id}?dryRun=true`, undefined],
      ['POST', `/v1/products/${p.id}/stock-adjustments?dryRun=true`, { delta: 5, reason: 'restock' }],
    ];
    for (const [method, path, body] of writes) {
      const res = await t.request(method, path, { headers: bearer(ownerToken), body });
      assert.equal(res.status, 400, `${method} ${path}`);
      assert.deepEqual(res.body.errors, [{ field: 'dryRun', messages: ['property dryRun should not exist'] }]);
    }
    assert.deepEqual((await api.get(p.id)).body, p);
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM products WHERE sku = $1', [sku]);
    assert.equal(n, 0);
    const manager = bearer(await t.token({ scope: 'api-keys:manage' }));
    const keyWrite = await t.request('POST', '/v1/api-keys?admin=true', { headers: manager, body: { name: 'q' } });
    assert.equal(keyWrite.status, 400);
  });

  it('If-Match: a stale ETag is a 412 and changes nothing; the current one, a list with it, or * succeed; a malformed one is a 400', async () => {
    const { body: p, headers } = await created();
    const v1 = headers.get('etag')!;
    const first = await api.patch(p.id, ownerToken, { name: 'Second' }, { 'if-match': v1 });
    assert.equal(first.status, 200);
    const v2 = first.headers.get('etag')!;

    const stale = await api.patch(p.id, ownerToken, { name: 'Lost update' }, { 'if-match': v1 });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.status, 412);
    assert.equal((await api.get(p.id)).body.name, 'Second');
    assert.equal((await audit(p.id, 'products.update')).length, 1);

    assert.equal((await api.patch(p.id, ownerToken, { name: 'Weak' }, { 'if-match': `W/${v2}` })).status, 412);
    const listed = await api.patch(p.id, ownerToken, { name: 'Third' }, { 'if-match': `${v1}, ${v2}` });
    assert.equal(listed.status, 200);
    const star = await api.patch(p.id, ownerToken, { name: 'Fourth' }, { 'if-match': '*' });
    assert.equal(star.status, 200);
    assert.equal(star.body.version, 4);
    const malformed = await api.patch(p.id, ownerToken, { name: 'X' }, { 'if-match': 'not-an-etag' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.errors[0].field, 'If-Match');
    // A precondition never turns a 404 into a 412.
    assert.equal((await api.patch('00000000-0000-4000-8000-000000000000', ownerToken, { name: 'X' }, { 'if-match': '*' })).status, 404);
  });

  it('stock adjustments honour If-Match: a count made against an older version is a 412 and moves nothing', async () => {
    const { body: p, headers } = await created();
    const v1 = headers.get('etag')!;
    const adjust = (h: Record<string, string>) =>
      t.request('POST', `/v1/products/${p.id}/stock-adjustments`, { headers: { ...bearer(ownerToken), ...h }, body: { delta: 5, reason: 'count' } });
    assert.equal((await adjust({ 'if-match': v1 })).status, 201);
    assert.equal((await adjust({ 'if-match': v1 })).status, 412, 'the first adjustment made v1 stale');
    assert.equal((await adjust({ 'if-none-match': '*' })).status, 412);
    assert.equal((await adjust({ 'if-match': 'garbage' })).status, 400);
    assert.equal((await adjust({})).status, 201, 'without a condition, every adjustment applies');
    assert.equal((await api.get(p.id)).body.stockOnHand, 10);
  });

  it('If-None-Match on PATCH and DELETE: * or a tag of the current version (weak too) is a 412 and changes nothing', async () => {
    const { body: p, headers } = await created();
    const v1 = headers.get('etag')!;
    for (const ifNoneMatch of ['*', v1, `W/${v1}`, `"other", ${v1}`]) {
      const patch = await api.patch(p.id, ownerToken, { name: 'Not this' }, { 'if-none-match': ifNoneMatch });
      assert.equal(patch.status, 412, ifNoneMatch);
      assert.equal((await api.delete(p.id, ownerToken, { 'if-none-match': ifNoneMatch })).status, 412, ifNoneMatch);
    }
    assert.deepEqual((await api.get(p.id)).body, p);
    assert.equal((await audit(p.id, 'products.update')).length, 0);
    const malformed = await api.patch(p.id, ownerToken, { name: 'X' }, { 'if-none-match': 'nope' });
    assert.deepEqual([malformed.status, malformed.body.errors?.[0]?.field], [400, 'If-None-Match']);
    // A tag of an older version does not match: the change goes ahead.
    const changed = await api.patch(p.id, ownerToken, { name: 'Changed' }, { 'if-none-match': `"${p.id}.99"` });
    assert.equal(changed.status, 200);
    assert.equal((await api.delete(p.id, ownerToken, { 'if-none-match': v1 })).status, 204);
  });

  it('a PATCH that changes nothing answers 200 with the same version and ETag (audited, no new event)', async () => {
    const { body: p, headers } = await created();
    const res = await api.patch(p.id, ownerToken, { name: p.name, currency: p.currency });
    assert.equal(res.status, 200);
    assert.equal(res.body.version, 1);
    assert.equal(res.headers.get('etag'), headers.get('etag'));
    const [event] = await audit(p.id, 'products.update');
    assert.deepEqual(event.changes, {});
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE stream_id = $1`, [p.id]);
    assert.equal(n, 1);
  });

  it('BOLA: another user cannot PATCH or DELETE (403, nothing changes); products:admin can; the scope is still needed', async () => {
    const { body: p } = await created();
    const mallory = unique('mallory');
    const malloryToken = await t.token({ sub: mallory, scope: 'products:write inventory:write' });
    const patch = await api.patch(p.id, malloryToken, { name: 'Pwned' });
    assert.equal(patch.status, 403);
    assert.equal(patch.headers.get('www-authenticate'), null);
    assert.equal((await api.delete(p.id, malloryToken)).status, 403);
    assert.deepEqual((await api.get(p.id)).body, p);
    assert.equal((await audit(p.id)).filter((e) => e.actor.sub === mallory).length, 0);

    const adminSub = unique('admin');
    const admin = await t.token({ sub: adminSub, scope: 'products:write products:admin' });
    const changed = await api.patch(p.id, admin, { name: 'Fixed by admin' });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.ownerId, owner);
    assert.equal((await audit(p.id, 'products.update'))[0].actor.sub, adminSub);

    const adminWithoutWrite = await t.token({ scope: 'products:admin' });
    const refused = await api.patch(p.id, adminWithoutWrite, { name: 'X' });
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('www-authenticate') ?? '', /insufficient_scope/);

    assert.equal((await api.delete(p.id, admin)).status, 204);
    assert.equal((await api.get(p.id)).status, 404);
  });

  it('DELETE: 204, then every read is a 404, the sku is free again, the audit trail stays; If-Match is honoured', async () => {
    const { body: p, headers } = await created();
    const patched = await api.patch(p.id, ownerToken, { name: 'Renamed' });
    assert.equal((await api.delete(p.id, ownerToken, { 'if-match': headers.get('etag')! })).status, 412);
    assert.equal((await api.get(p.id)).status, 200);
    assert.equal((await api.delete(p.id, ownerToken, { 'if-match': 'nope' })).status, 400);

    const res = await api.delete(p.id, ownerToken, { 'if-match': patched.headers.get('etag')! });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal((await api.get(p.id)).status, 404);
    assert.equal((await api.movements(p.id)).status, 404);
    assert.equal((await api.patch(p.id, ownerToken, { name: 'Zombie' })).status, 404);
    assert.equal((await api.adjust(p.id, ownerToken, 1)).status, 404);
    assert.equal((await api.delete(p.id, ownerToken)).status, 404);
    const listed = await api.all(`/v1/products?q=${p.sku}`);
    assert.deepEqual(listed, []);

    const again = await api.create(ownerToken, { sku: p.sku });
    assert.equal(again.status, 201);
    assert.notEqual(again.body.id, p.id);

    const trail = await audit(p.id);
    assert.deepEqual(trail.map((e) => e.action), ['products.delete', 'products.update', 'products.create']);
    assert.deepEqual(trail[0].changes.name, { before: 'Renamed', after: null });
    assert.deepEqual(trail[0].changes.sku, { before: p.sku, after: null });
  });

  it('stock adjustments: 201 { movement, stockOnHand } for any inventory:write user; below zero is a 409', async () => {
    const { body: p } = await created();
    const clerk = await t.token({ sub: unique('clerk'), scope: 'inventory:write' });
    const plus = await api.adjust(p.id, clerk, 5, 'Delivery');
    assert.equal(plus.status, 201, plus.text);
    assert.equal(plus.body.stockOnHand, 5);
    const { movement } = plus.body;
    assert.match(movement.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...movement, id: undefined, occurredAt: undefined }, {
      id: undefined, occurredAt: undefined, productId: p.id, delta: 5, reason: 'Delivery', stockAfter: 5,
    });
    assert.ok(!Number.isNaN(Date.parse(movement.occurredAt)));
    assert.equal(plus.headers.get('cache-control'), 'no-store');

    const read = await api.get(p.id);
    assert.equal(read.body.stockOnHand, 5);
    assert.equal(read.body.version, 2);
    assert.equal(read.headers.get('etag'), `"${p.id}.2"`);

    const below = await api.adjust(p.id, clerk, -6, 'Too many');
    assert.equal(below.status, 409);
    assert.match(below.body.detail, /below zero/);
    assert.equal((await api.get(p.id)).body.stockOnHand, 5);
    assert.equal((await api.movements(p.id)).body.data.length, 1);

    assert.equal((await api.adjust(p.id, clerk, -5, 'Sold')).body.stockOnHand, 0);

    const [event] = await audit(p.id, 'products.adjust-stock');
    assert.deepEqual(event.changes.stockOnHand, { before: 5, after: 0 });
    assert.equal(event.changes.movement.before, null);
    assert.equal(event.changes.movement.after.delta, -5);
    assert.equal(event.changes.movement.after.reason, 'Sold');

    const writerOnly = await t.token({ scope: 'products:write' });
    assert.equal((await api.adjust(p.id, writerOnly, 1)).status, 403);
    assert.equal((await api.adjust('00000000-0000-4000-8000-000000000000', clerk, 1)).status, 404);
    for (const body of [{ delta: 0, reason: 'r' }, { delta: 1.5, reason: 'r' }, { delta: '1', reason: 'r' }, { delta: 1 }, { delta: 1, reason: '' }, { delta: 1, reason: '   ' }, { delta: 1, reason: 'r', stockOnHand: 9 }]) {
      const res = await t.request('POST', `/v1/products/${p.id}/stock-adjustments`, { headers: bearer(clerk), body });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    assert.equal((await api.get(p.id)).body.version, 3);
  });

  it('stock movements: newest first, keyset pages that stay right while movements are added', async () => {
    const { body: p } = await created();
    for (let i = 1; i <= 5; i++) assert.equal((await api.adjust(p.id, ownerToken, i, `r${i}`)).status, 201);
    const first = await api.movements(p.id, '?limit=2');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.data.map((m: { reason: string }) => m.reason), ['r5', 'r4']);
    assert.equal((await api.adjust(p.id, ownerToken, 6, 'r6')).status, 201);
    const second = await api.movements(p.id, `?limit=2&cursor=${first.body.nextCursor}`);
    assert.deepEqual(second.body.data.map((m: { reason: string }) => m.reason), ['r3', 'r2']);
    const third = await api.movements(p.id, `?limit=2&cursor=${second.body.nextCursor}`);
    assert.deepEqual(third.body.data.map((m: { reason: string }) => m.reason), ['r1']);
    assert.equal(third.body.nextCursor, null);
    const all = await api.all(`/v1/products/${p.id}/stock-movements`);
    assert.deepEqual(all.map((m) => m.stockAfter), [21, 15, 10, 6, 3, 1]);
    for (const q of ['?limit=101', '?limit=0', '?cursor=garbage']) assert.equal((await api.movements(p.id, q)).status, 400, q);
    assert.equal((await t.request('GET', '/v1/products/nope/stock-movements', { headers: apiKey(key) })).status, 400);
    assert.equal((await t.request('GET', `/v1/products/${p.id}/stock-movements`)).status, 401);
  });

  it('the product list reads the read model: changes show at once, deleted products go, pages stay right while rows are added', async () => {
    const tag = unique('LIST').toUpperCase();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await created({ sku: `${tag}-${i}` })).body.id);
    const first = await t.request('GET', `/v1/products?q=${tag}&limit=2`, { headers: apiKey(key) });
    assert.deepEqual(first.body.data.map((p: { id: string }) => p.id), [ids[2], ids[1]]);
    for (let i = 3; i < 5; i++) ids.push((await created({ sku: `${tag}-${i}` })).body.id);
    const second = await t.request('GET', `/v1/products?q=${tag}&limit=2&cursor=${first.body.nextCursor}`, { headers: apiKey(key) });
    assert.deepEqual(second.body.data.map((p: { id: string }) => p.id), [ids[0]]);

    assert.equal((await api.patch(ids[4], ownerToken, { name: 'Renamed' })).status, 200);
    assert.equal((await api.delete(ids[3], ownerToken)).status, 204);
    const now = await api.all(`/v1/products?q=${tag}`);
    assert.deepEqual(now.map((p) => p.id), [ids[4], ids[2], ids[1], ids[0]]);
    assert.equal(now[0].name, 'Renamed');
  });

  it('the OpenAPI document describes the new operations, their scopes, If-Match, ETag and error answers', async () => {
    const doc = (await t.request('GET', '/docs-json')).body;
    const item = doc.paths['/v1/products/{id}'];
    for (const op of [item.patch, item.delete]) {
      assert.deepEqual(op.security, [{ 'user-token': ['products:write'] }]);
      assert.ok(op.parameters.some((p: { in: string; name: string }) => p.in === 'header' && p.name === 'If-Match'));
      for (const status of ['400', '403', '404', '412']) assert.ok(op.responses[status], status);
    }
    assert.ok(item.patch.responses['409']);
    assert.ok(item.patch.responses['200'].headers.ETag);
    assert.ok(item.delete.responses['204']);
    assert.match(item.patch.description, /products:admin/);
    const adjust = doc.paths['/v1/products/{id}/stock-adjustments'].post;
    assert.deepEqual(adjust.security, [{ 'user-token': ['inventory:write'] }]);
    assert.ok(adjust.responses['201'] && adjust.responses['409']);
    const movements = doc.paths['/v1/products/{id}/stock-movements'].get;
    assert.ok(movements.security.some((s: object) => 'api-key' in s));
    assert.ok(movements.parameters.some((p: { name: string }) => p.name === 'cursor'));
  });
});
