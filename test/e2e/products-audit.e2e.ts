import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiKey, bearer, startTestApp, unique, type TestApp } from '../support/test-app.js';
import { productsApi } from '../support/products.js';

describe('audit events of the products domain: every filter, cursor pages, newest first', () => {
  let t: TestApp;
  let key: string;
  let reader: string;
  let sub: string;
  let productId: string;
  let trail: any[];

  before(async () => {
    t = await startTestApp();
    key = (await t.createApiKey()).key;
    reader = await t.token({ scope: 'audit:read' });
    sub = unique('auditor');
    const token = await t.token({ sub, scope: 'products:write inventory:write' });
    const api = productsApi(t, key);
    productId = (await api.create(token)).body.id;
    assert.equal((await api.patch(productId, token, { name: 'Audited' })).status, 200);
    assert.equal((await api.adjust(productId, token, 4, 'Delivery')).status, 201);
    assert.equal((await api.delete(productId, token)).status, 204);
    trail = (await audit(`resourceId=${productId}`)).body.data;
  });
  after(() => t.close());

  const audit = (query: string, headers: Record<string, string> = { ...apiKey(key), ...bearer(reader) }) =>
    t.request('GET', `/v1/audit-events?${query}`, { headers });
  const actions = async (query: string) => {
    const res = await audit(query);
    assert.equal(res.status, 200, res.text);
    return res.body.data.map((e: { action: string }) => e.action);
  };

  it('resourceId: the whole life of the product, newest first, each with what changed', () => {
    assert.deepEqual(trail.map((e) => e.action), ['products.delete', 'products.adjust-stock', 'products.update', 'products.create']);
    for (const e of trail) {
      assert.equal(e.resourceType, 'product');
      assert.equal(e.resourceId, productId);
      assert.equal(e.actor.sub, sub);
    }
    assert.deepEqual(trail[2].changes, { name: { before: 'Mug', after: 'Audited' } });
    assert.deepEqual(trail[1].changes.stockOnHand, { before: 0, after: 4 });
    assert.equal(trail[1].changes.movement.after.delta, 4);
    assert.deepEqual(trail[0].changes.stockOnHand, { before: 4, after: null });
    const times = trail.map((e) => Date.parse(e.occurredAt));
    assert.deepEqual([...times].sort((a, b) => b - a), times);
  });

  it('actor, action and resourceType narrow it down', async () => {
    assert.deepEqual(await actions(`actor=${sub}`), trail.map((e) => e.action));
    assert.deepEqual(await actions(`actor=${sub}&action=products.update`), ['products.update']);
    assert.deepEqual(await actions(`action=products.adjust-stock&resourceId=${productId}`), ['products.adjust-stock']);
    assert.deepEqual(await actions(`actor=${sub}&resourceType=product&action=products.delete`), ['products.delete']);
    assert.deepEqual(await actions(`actor=${sub}&resourceType=api-key`), []);
    assert.deepEqual(await actions(`actor=${unique('nobody')}`), []);
  });

  it('since is inclusive, until exclusive', async () => {
    const at = (action: string) => trail.find((e) => e.action === action).occurredAt;
    assert.deepEqual(await actions(`actor=${sub}&since=${at('products.update')}`), ['products.delete', 'products.adjust-stock', 'products.update']);
    assert.deepEqual(await actions(`actor=${sub}&until=${at('products.adjust-stock')}`), ['products.update', 'products.create']);
    assert.deepEqual(
      await actions(`actor=${sub}&since=${at('products.update')}&until=${at('products.adjust-stock')}`),
      ['products.update'],
    );
  });

  it('limit and cursor page through it, and stay right while events are added', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await audit(`actor=${sub}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.data.length <= 1);
      seen.push(...res.body.data.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor;
      if (pages++ === 0) {
        // A new event of the same actor meanwhile, so it matches the filter: newer than the cursor, it never shows on
        // the following pages.
        const token = await t.token({ sub, scope: 'products:write' });
        assert.equal((await productsApi(t, key).create(token)).status, 201);
      }
    } while (cursor);
    assert.deepEqual(seen, trail.map((e) => e.id));
    assert.equal(pages, 4);
  });

  it('refuses a limit above 100, a foreign cursor, a bad date or an unknown filter (400), and needs audit:read', async () => {
    for (const q of ['limit=101', 'limit=0', 'cursor=garbage', 'since=yesterday', 'until=2026-13-01', 'owner=x']) {
      assert.equal((await audit(q)).status, 400, q);
    }
    assert.equal((await audit('limit=100')).status, 200);
    const noScope = await audit(`actor=${sub}`, { ...apiKey(key), ...bearer(await t.token({ scope: 'products:write' })) });
    assert.equal(noScope.status, 403);
    assert.equal((await audit(`actor=${sub}`, bearer(reader))).status, 401);
  });
});
