import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiKey, bearer, startTestApp, unique, type TestApp } from '../support/test-app.js';
import { newProduct } from '../support/products.js';


describe('products: create and read', () => {
  let t: TestApp;
  let key: string;
  before(async () => {
    t = await startTestApp();
    key = (await t.createApiKey()).key;
  });
  after(() => t.close());

  it('creates with a user token and reads it back with an API key', async () => {
    const token = await t.token({ sub: 'alice', scope: 'products:write' });
    const body = newProduct({ description: 'Blue' });
    const created = await t.request('POST', '/v1/products', { headers: bearer(token), body });
    assert.equal(created.status, 201);
    assert.equal(created.body.ownerId, 'alice');
    assert.equal(created.body.stockOnHand, 0);
    assert.equal(created.body.version, 1);
    assert.match(created.body.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.headers.get('location'), `/v1/products/${created.body.id}`);
    assert.match(created.headers.get('etag') ?? '', /^"[^"]+"$/);
    assert.equal(created.headers.get('cache-control'), 'no-store');

    const read = await t.request('GET', `/v1/products/${created.body.id}`, { headers: apiKey(key) });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created.body);
    assert.equal(read.headers.get('etag'), created.headers.get('etag'));
    assert.match(read.headers.get('cache-control') ?? '', /^private, max-age=\d+$/);

    const notModified = await t.request('GET', `/v1/products/${created.body.id}`, {
      headers: { ...apiKey(key), 'if-none-match': read.headers.get('etag')! },
    });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.text, '');
  });

  it('a product read takes no query parameters: one is a 400 naming it (after the key check)', async () => {
    const token = await t.token({ scope: 'products:write' });
    const created = await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct() });
    const res = await t.request('GET', `/v1/products/${created.body.id}?fields=name`, { headers: apiKey(key) });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), ['fields']);
    assert.equal((await t.request('GET', `/v1/products/${created.body.id}?fields=name`)).status, 401);
  });

  it('a 304 is never given to a caller without a valid key', async () => {
    const token = await t.token({ scope: 'products:write' });
    const created = await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct() });
    const res = await t.request('GET', `/v1/products/${created.body.id}`, {
      headers: { 'x-api-key': 'nope', 'if-none-match': created.headers.get('etag')! },
    });
    assert.equal(res.status, 401);
  });

  it('lists with keyset pagination and q', async () => {
    const token = await t.token({ scope: 'products:write' });
    const tag = unique('LIST').toUpperCase();
    for (let i = 0; i < 5; i++) {
      const r = await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct({ sku: `${tag}-${i}` }) });
      assert.equal(r.status, 201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = `?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await t.request('GET', `/v1/products${qs}`, { headers: apiKey(key) });
      assert.equal(page.status, 200);
      assert.ok(page.body.data.length <= 2);
      seen.push(...page.body.data.map((p: { sku: string }) => p.sku));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [4, 3, 2, 1, 0].map((i) => `${tag}-${i}`));
  });

  it('rejects a bad limit, cursor or id with 400 problems', async () => {
    const paths = ['/v1/products?limit=101', '/v1/products?limit=0', '/v1/products?cursor=garbage', '/v1/products/not-a-uuid'];
    // Only decimal digits are a limit; a repeated parameter is ambiguous; a query must be valid percent-encoded UTF-8.
    paths.push(...['0x10', '1e1', '+1', '%205', '5.0'].map((l) => `/v1/products?limit=${l}`), '/v1/products?limit=1&limit=2', '/v1/products?q=a&q=b');
    paths.push('/v1/products?q=%ZZ', '/v1/products?q=%C0%80', '/v1/products?q=%E0%A4%A');
    for (const path of paths) {
      const res = await t.request('GET', path, { headers: apiKey(key) });
      assert.equal(res.status, 400, path);
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    const repeated = await t.request('GET', '/v1/products?limit=1&limit=2', { headers: apiKey(key) });
    assert.deepEqual(repeated.body.errors, [{ field: 'limit', messages: ['limit must be given once'] }]);
    const text = await t.request('GET', '/v1/products?limit=ten', { headers: apiKey(key) });
    assert.deepEqual(text.body.errors, [{ field: 'limit', messages: ['limit must be an integer number'] }], 'one message: the type');
    assert.equal((await t.request('GET', '/v1/products?limit=007&q=%C3%A9', { headers: apiKey(key) })).status, 200);
  });

  it('404 for an unknown id', async () => {
    const res = await t.request('GET', '/v1/products/00000000-0000-4000-8000-000000000000', { headers: apiKey(key) });
    assert.equal(res.status, 404);
    assert.equal(res.body.status, 404);
  });

  it('409 when the sku is taken, and nothing is written', async () => {
    const token = await t.token({ scope: 'products:write' });
    const body = newProduct();
    assert.equal((await t.request('POST', '/v1/products', { headers: bearer(token), body })).status, 201);
    const again = await t.request('POST', '/v1/products', { headers: bearer(token), body: { ...body, name: 'Other' } });
    assert.equal(again.status, 409);
    const [{ count }] = await t.db.query(`SELECT count(*)::int AS count FROM audit_events WHERE changes->'sku'->>'after' = $1`, [body.sku]);
    assert.equal(count, 1);
  });

  it('400 lists the offending fields, and refuses fields a client may not set', async () => {
    const token = await t.token({ scope: 'products:write' });
    const res = await t.request('POST', '/v1/products', {
      headers: bearer(token),
      body: { sku: '', name: ' \n ', priceCents: -1, currency: 'eur', ownerId: 'mallory', id: 'x' },
    });
    assert.equal(res.status, 400);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    assert.deepEqual(fields, ['currency', 'id', 'name', 'ownerId', 'priceCents', 'sku']);
    assert.ok(res.body.requestId);
  });

  it('refuses a currency that is not ISO 4217 and a non-integer price', async () => {
    const token = await t.token({ scope: 'products:write' });
    for (const bad of [{ currency: 'XYZ' }, { priceCents: 12.5 }, { priceCents: '100' }]) {
      const res = await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct(bad) });
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
  });

  it('415 for a body that is not JSON, 413 for one too large, 400 for broken JSON', async () => {
    const token = await t.token({ scope: 'products:write' });
    const text = await t.request('POST', '/v1/products', { headers: { ...bearer(token), 'content-type': 'text/plain' }, rawBody: 'hi' });
    assert.equal(text.status, 415);
    assert.equal(text.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    const big = await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct({ description: 'x'.repeat(200_000) }) });
    assert.equal(big.status, 413);
    const broken = await t.request('POST', '/v1/products', { headers: { ...bearer(token), 'content-type': 'application/json' }, rawBody: '{"sku":' });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.status, 400);
  });
});
