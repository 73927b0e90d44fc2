import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBus } from '@nestjs/cqrs';
import { formatApiKey, parseApiKey } from '../../src/auth/api-keys/api-key-format.js';
import { ReadModelChangedEvent } from '../../src/caching/read-model-changed.event.js';
import { ResponseCache } from '../../src/caching/response-cache.js';
import { startChildServer, type ChildServer } from '../support/child-server.js';
import { apiKey, bearer, startTestApp, unique, type TestApp } from '../support/test-app.js';
import { newProduct } from '../support/products.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/5';


async function create(t: TestApp, over: Record<string, unknown> = {}) {
  const token = await t.token({ sub: 'cache-writer', scope: 'products:write' });
  const res = await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct(over) });
  assert.equal(res.status, 201, res.text);
  return res.body as { id: string; sku: string; name: string; version: number };
}

/** A change made behind the app's back: nothing tells the cache, so only a TTL or an event can end an old answer. */
/** Changes the read model behind the cache's back, as a projector would before it announces the change. */
async function renameInDatabase(t: TestApp, id: string, name: string) {
  await t.db.query('UPDATE product_views SET name = $1, version = version + 1, updated_at = now() WHERE id = $2', [name, id]);
}

/** What a projector does after it has updated the read model. */
function readModelChanged(t: TestApp, id: string | null) {
  t.app.get(EventBus).publish(new ReadModelChangedEvent('product', id));
}

const get = (t: TestApp, key: string, path: string, headers: Record<string, string> = {}) =>
  t.request('GET', path, { headers: { ...apiKey(key), ...headers } });

describe('caching: HTTP validators and the query cache', () => {
  let t: TestApp;
  let key: string;
  before(async () => {
    t = await startTestApp();
    key = (await t.createApiKey()).key;
  });
  after(() => t.close());

  it('every successful read has a strong ETag, Cache-Control and Vary; writes and errors are no-store', async () => {
    const product = await create(t);
    for (const path of [`/v1/products/${product.id}`, '/v1/products?limit=3']) {
      const res = await get(t, key, path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('etag') ?? '', /^"[^"]+"$/, path);
      assert.equal(res.headers.get('cache-control'), 'private, max-age=60', path);
      assert.equal(res.headers.get('vary'), 'X-API-Key', path);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8', path);
    }
    const token = await t.token({ scope: 'products:write' });
    const created = await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct() });
    assert.equal(created.headers.get('cache-control'), 'no-store');
    for (const res of [
      await get(t, key, `/v1/products/${crypto.randomUUID()}`),
      await get(t, key, '/v1/products/not-a-uuid'),
      await get(t, 'cqrsk_nope', `/v1/products/${product.id}`),
    ]) {
      assert.ok(res.status >= 400);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('etag'), null);
    }
    assert.equal((await t.request('GET', '/health/live')).headers.get('cache-control'), 'no-store');
  });

  it('a read that needs a user token is private and varies on Authorization too', async () => {
    const token = await t.token({ sub: unique('auditor'), scope: 'audit:read' });
    const res = await t.request('GET', '/v1/audit-events?limit=1', { headers: { ...apiKey(key), ...bearer(token) } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'private, max-age=60');
    assert.equal(res.headers.get('vary'), 'X-API-Key, Authorization');
  });

  it('If-None-Match: 304 without a body for the same tag, W/, a list or *; 200 for another tag', async () => {
    const product = await create(t);
    const path = `/v1/products/${product.id}`;
    const etag = (await get(t, key, path)).headers.get('etag')!;
    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, `W/"nope",W/${etag}`, '*']) {
      const res = await get(t, key, path, { 'if-none-match': inm });
      assert.equal(res.status, 304, inm);
      assert.equal(res.text, '', inm);
      assert.equal(res.headers.get('etag'), etag, inm);
      assert.equal(res.headers.get('cache-control'), 'private, max-age=60', inm);
      assert.equal(res.headers.get('vary'), 'X-API-Key', inm);
    }
    const other = await create(t);
    const otherTag = (await get(t, key, `/v1/products/${other.id}`)).headers.get('etag')!;
    for (const inm of [otherTag, '"nope"', etag.slice(0, -2) + '"']) {
      const res = await get(t, key, path, { 'if-none-match': inm });
      assert.equal(res.status, 200, inm);
      assert.equal(res.body.id, product.id);
    }
    // Lists have a tag too (a hash of the page), and the same rules.
    const list = await get(t, key, `/v1/products?q=${product.sku}`);
    assert.equal(list.body.data[0].id, product.id);
    assert.equal((await get(t, key, `/v1/products?q=${product.sku}`, { 'if-none-match': `W/${list.headers.get('etag')}` })).status, 304);
  });

  it('the OpenAPI document shows If-None-Match and the 304 on product reads', async () => {
    const doc = (await t.request('GET', '/docs-json')).body;
    for (const path of ['/v1/products', '/v1/products/{id}']) {
      const get = doc.paths[path].get;
      assert.ok(get.responses['304'], path);
      assert.ok(get.parameters.some((p: { name: string; in: string }) => p.name === 'If-None-Match' && p.in === 'header'), path);
    }
  });

  it('HEAD is GET without the body: same status and validators, 304 and 401 alike', async () => {
    const product = await create(t);
    const path = `/v1/products/${product.id}`;
    const full = await get(t, key, path);
    const head = await t.request('HEAD', path, { headers: apiKey(key) });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.equal(head.headers.get('etag'), full.headers.get('etag'));
    assert.equal(head.headers.get('cache-control'), full.headers.get('cache-control'));
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(full.text)));
    const conditional = await t.request('HEAD', path, { headers: { ...apiKey(key), 'if-none-match': full.headers.get('etag')! } });
    assert.equal(conditional.status, 304);
    assert.equal(conditional.text, '');
    const length = conditional.headers.get('content-length');
    assert.ok(length === null || length === String(Buffer.byteLength(full.text)), `a 304 to HEAD has the 200's length or none, not ${length}`);
    const unauthenticated = await t.request('HEAD', path, { headers: { 'if-none-match': full.headers.get('etag')! } });
    assert.equal(unauthenticated.status, 401);
  });

  it('two keys reading the same URL each get the data and their own 304; no key, a wrong key or a revoked one gets 401', async () => {
    const product = await create(t);
    const path = `/v1/products/${product.id}`;
    const other = (await t.createApiKey()).key;
    const a = await get(t, key, path);
    const b = await get(t, other, path);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.deepEqual(b.body, a.body);
    assert.equal(b.headers.get('etag'), a.headers.get('etag'), 'the same representation has the same tag');
    assert.equal((await get(t, key, path, { 'if-none-match': a.headers.get('etag')! })).status, 304);
    assert.equal((await get(t, other, path, { 'if-none-match': b.headers.get('etag')! })).status, 304);
    // The tag is not a credential: without a valid key it gets nothing, not even a 304.
    const tag = { 'if-none-match': a.headers.get('etag')! };
    assert.equal((await t.request('GET', path, { headers: tag })).status, 401);
    assert.equal((await get(t, 'cqrsk_0000000000000000_00000000000000000000000000000000000000', path, tag)).status, 401);
    assert.equal((await get(t, key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'), path, tag)).status, 401);
  });

  it('a revoked key is refused even when the answer is cached', async () => {
    const product = await create(t);
    const path = `/v1/products/${product.id}`;
    const doomed = await t.createApiKey();
    const first = await get(t, doomed.key, path);
    assert.equal(first.status, 200);
    assert.equal((await get(t, key, path)).status, 200, 'the answer is in the cache');
    const manager = bearer(await t.token({ scope: 'api-keys:manage' }));
    assert.equal((await t.request('DELETE', `/v1/api-keys/${doomed.id}`, { headers: manager })).status, 204);
    const refused = await get(t, doomed.key, path);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('cache-control'), 'no-store');
    assert.equal(refused.body.id, undefined);
    assert.equal((await get(t, doomed.key, path, { 'if-none-match': first.headers.get('etag')! })).status, 401);
    assert.equal((await get(t, key, path)).status, 200, 'other keys still read it');
  });

  it('a read after a write on the same instance sees the write', async () => {
    const tag = unique('RAW').toUpperCase();
    const token = await t.token({ scope: 'products:write' });
    for (let i = 0; i < 5; i++) {
      // Cache the page, then write and read it again at once.
      assert.equal((await get(t, key, `/v1/products?q=${tag}`)).body.data.length, i);
      const created = await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct({ sku: `${tag}-${i}` }) });
      assert.equal(created.status, 201);
      const page = await get(t, key, `/v1/products?q=${tag}`);
      assert.equal(page.body.data.length, i + 1);
      assert.equal(page.body.data[0].id, created.body.id);
      assert.equal((await get(t, key, `/v1/products/${created.body.id}`)).body.sku, `${tag}-${i}`);
    }
  });

  it('a stale If-None-Match after a write gets a 200 with the new tag', async () => {
    const tag = unique('STALE').toUpperCase();
    const product = await create(t, { sku: `${tag}-0` });
    const listPath = `/v1/products?q=${tag}`;
    const list = await get(t, key, listPath);
    const itemPath = `/v1/products/${product.id}`;
    const item = await get(t, key, itemPath);

    await create(t, { sku: `${tag}-1` });
    const newList = await get(t, key, listPath, { 'if-none-match': list.headers.get('etag')! });
    assert.equal(newList.status, 200);
    assert.equal(newList.body.data.length, 2);
    assert.notEqual(newList.headers.get('etag'), list.headers.get('etag'));

    await renameInDatabase(t, product.id, 'Renamed');
    readModelChanged(t, product.id);
    const newItem = await get(t, key, itemPath, { 'if-none-match': item.headers.get('etag')! });
    assert.equal(newItem.status, 200);
    assert.equal(newItem.body.name, 'Renamed');
    assert.equal(newItem.headers.get('etag'), `"${product.id}.${product.version + 1}"`);
  });

  it('a cached answer never outlives an invalidation', async () => {
    const tag = unique('INV').toUpperCase();
    const product = await create(t, { sku: `${tag}-0` });
    const path = `/v1/products/${product.id}`;
    assert.equal((await get(t, key, path)).body.name, 'Mug');
    assert.equal((await get(t, key, `/v1/products?q=${tag}`)).body.data[0].name, 'Mug');
    await renameInDatabase(t, product.id, 'Cup');
    // Nothing said so yet: the cached answers stand (which shows they are cached).
    assert.equal((await get(t, key, path)).body.name, 'Mug');
    assert.equal((await get(t, key, `/v1/products?q=${tag}`)).body.data[0].name, 'Mug');
    readModelChanged(t, product.id);
    assert.equal((await get(t, key, path)).body.name, 'Cup');
    assert.equal((await get(t, key, `/v1/products?q=${tag}`)).body.data[0].name, 'Cup', 'the lists that show it too');
  });

  it('an id in upper case reads, writes, audits and invalidates the same product as in lower case', async () => {
    const product = await create(t);
    const upper = product.id.toUpperCase();
    const first = await get(t, key, `/v1/products/${upper}`);
    assert.equal(first.body.id, product.id);
    assert.equal((await get(t, key, `/v1/products/${upper}/stock-movements`)).body.data.length, 0);
    const token = await t.token({ sub: 'cache-writer', scope: 'products:write inventory:write' });
    const patched = await t.request('PATCH', `/v1/products/${upper}`, {
      headers: { ...bearer(token), 'if-match': first.headers.get('etag')! },
      body: { name: 'Renamed' },
    });
    assert.equal(patched.status, 200);
    // Strong comparison: the tag as it was sent, not another spelling of it.
    const spelled = await t.request('PATCH', `/v1/products/${product.id}`, {
      headers: { ...bearer(token), 'if-match': patched.headers.get('etag')!.toUpperCase() },
      body: { name: 'Again' },
    });
    assert.equal(spelled.status, 412);
    assert.equal((await t.request('POST', `/v1/products/${upper}/stock-adjustments`, { headers: bearer(token), body: { delta: 2, reason: 'in' } })).status, 201);
    const again = await get(t, key, `/v1/products/${upper}`, { 'if-none-match': first.headers.get('etag')! });
    assert.equal(again.status, 200);
    assert.equal(again.body.name, 'Renamed');
    assert.equal((await get(t, key, `/v1/products/${upper}/stock-movements`)).body.data.length, 1);
    const [row] = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE resource_id = $1`, [product.id]);
    assert.equal(row.n, 3, 'create, update and adjustment under the one id');
    assert.equal((await t.request('DELETE', `/v1/products/${upper}`, { headers: bearer(token) })).status, 204);
    assert.equal((await get(t, key, `/v1/products/${upper}`)).status, 404);
  });

  it('answers are keyed by every parameter: limit, q and cursor pages never mix', async () => {
    const tag = unique('KEYS').toUpperCase();
    for (let i = 0; i < 3; i++) await create(t, { sku: `${tag}-${i}` });
    const one = await get(t, key, `/v1/products?q=${tag}&limit=1`);
    const two = await get(t, key, `/v1/products?q=${tag}&limit=2`);
    const all = await get(t, key, `/v1/products?q=${tag}`);
    const next = await get(t, key, `/v1/products?q=${tag}&limit=1&cursor=${one.body.nextCursor}`);
    const none = await get(t, key, `/v1/products?q=${tag}-X`);
    assert.deepEqual(one.body.data.map((p: { sku: string }) => p.sku), [`${tag}-2`]);
    assert.deepEqual(two.body.data.map((p: { sku: string }) => p.sku), [`${tag}-2`, `${tag}-1`]);
    assert.equal(all.body.data.length, 3);
    assert.deepEqual(next.body.data.map((p: { sku: string }) => p.sku), [`${tag}-1`]);
    assert.equal(none.body.data.length, 0);
    assert.equal(new Set([one, two, all, next, none].map((r) => r.headers.get('etag'))).size, 5);
  });
});

/** Counts the reads the response cache answered itself (before Nest's pipeline). */
function countReplays(t: TestApp): { readonly count: number } {
  const cache = t.app.get(ResponseCache);
  const replay = cache.replay.bind(cache);
  const counter = { count: 0 };
  cache.replay = async (...args) => {
    const answered = await replay(...args);
    if (answered) counter.count++;
    return answered;
  };
  return counter;
}

/** The headers a replayed answer must share with the one Nest gave: all but those of the request itself. */
const answerHeaders = (res: { headers: Headers }) =>
  Object.fromEntries([...res.headers].filter(([name]) => !['date', 'x-request-id', 'ratelimit', 'connection', 'keep-alive'].includes(name)));

describe('caching: the response cache in front of Nest', () => {
  let t: TestApp;
  let replays: { readonly count: number };
  before(async () => {
    t = await startTestApp();
    replays = countReplays(t);
  });
  after(() => t.close());

  it('replays the answer Nest gave to the same key and URL, with the same headers, the 304 included', async () => {
    const { key } = await t.createApiKey();
    const product = await create(t);
    for (const path of [`/v1/products/${product.id}`, `/v1/products?q=${product.sku}`]) {
      const before = replays.count;
      const first = await get(t, key, path);
      assert.equal(replays.count, before, 'the first read goes through Nest');
      const second = await get(t, key, path);
      assert.equal(replays.count, before + 1, 'the second is replayed');
      assert.equal(second.status, 200);
      assert.equal(second.text, first.text);
      assert.deepEqual(answerHeaders(second), answerHeaders(first));
      assert.notEqual(second.headers.get('x-request-id'), first.headers.get('x-request-id'));
      const remaining = (res: { headers: Headers }) => Number(/;r=(\d+);/.exec(res.headers.get('ratelimit') ?? '')?.[1]);
      assert.equal(remaining(second), remaining(first) - 1, 'a replay is charged to the key like any read');

      const etag = { 'if-none-match': first.headers.get('etag')! };
      // Another key's first read goes through Nest: its 304 is what the replayed one must look like.
      const nest304 = await get(t, (await t.createApiKey()).key, path, etag);
      const replayed304 = await get(t, key, path, etag);
      assert.equal(replays.count, before + 2, "another key's first read goes through Nest");
      assert.equal(nest304.status, 304);
      assert.equal(replayed304.status, 304);
      assert.equal(replayed304.text, '');
      assert.deepEqual(answerHeaders(replayed304), answerHeaders(nest304));
    }
  });

  it("never gives one key's answer to another key, nor to the same key id with another secret", async () => {
    const a = await t.createApiKey();
    const b = await t.createApiKey();
    const product = await create(t);
    const path = `/v1/products/${product.id}`;
    await get(t, a.key, path);
    await get(t, a.key, path);
    const before = replays.count;
    assert.equal((await get(t, b.key, path)).status, 200);
    assert.equal(replays.count, before, "b's first read is not a's answer");
    // Same public id, a valid checksum, another secret: the stored answer is found, and the key check refuses it.
    const forged = formatApiKey(parseApiKey(a.key)!.keyId, 'x'.repeat(32));
    const refused = await get(t, forged, path);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(refused.headers.get('cache-control'), 'no-store');
    assert.match(refused.headers.get('www-authenticate') ?? '', /ApiKey/);
    assert.equal(refused.body.id, undefined);
  });

  it('a revoked key and a spent rate limit are refused as the guard refuses them', async () => {
    const product = await create(t);
    const path = `/v1/products/${product.id}`;
    const limited = await t.createApiKey({ rateLimitPerMinute: 2 });
    await get(t, limited.key, path);
    const before = replays.count;
    assert.equal((await get(t, limited.key, path)).status, 200);
    const spent = await get(t, limited.key, path);
    assert.equal(replays.count, before + 2);
    assert.equal(spent.status, 429);
    assert.match(spent.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(Number(spent.headers.get('retry-after')) > 0);

    const doomed = await t.createApiKey();
    await get(t, doomed.key, path);
    assert.equal((await get(t, doomed.key, path)).status, 200);
    const manager = bearer(await t.token({ scope: 'api-keys:manage' }));
    assert.equal((await t.request('DELETE', `/v1/api-keys/${doomed.id}`, { headers: manager })).status, 204);
    const revoked = await get(t, doomed.key, path);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.status, 401);
  });

  it('a write ends the replays of what it changed: the next read is computed again', async () => {
    const { key } = await t.createApiKey();
    const product = await create(t);
    const path = `/v1/products/${product.id}`;
    await get(t, key, path);
    assert.equal((await get(t, key, path)).body.name, 'Mug');
    const token = await t.token({ sub: 'cache-writer', scope: 'products:write' });
    const changed = await t.request('PATCH', path, { headers: bearer(token), body: { name: 'Cup' } });
    assert.equal(changed.status, 200, changed.text);
    const before = replays.count;
    const after = await get(t, key, path);
    assert.equal(replays.count, before);
    assert.equal(after.body.name, 'Cup');
    assert.equal(after.headers.get('etag'), changed.headers.get('etag'));
  });

  it('HEAD goes through Nest, and says what GET says', async () => {
    const { key } = await t.createApiKey();
    const product = await create(t);
    const path = `/v1/products/${product.id}`;
    const got = await get(t, key, path);
    const before = replays.count;
    const head = await t.request('HEAD', path, { headers: apiKey(key) });
    assert.equal(replays.count, before);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('etag'), got.headers.get('etag'));
  });
});

describe('caching: configuration', () => {
  it('QUERY_CACHE_TTL_SECONDS is seconds: an answer nothing invalidates lasts that long, then goes', async () => {
    const t = await startTestApp({ QUERY_CACHE_TTL_SECONDS: '2' });
    try {
      const key = (await t.createApiKey()).key;
      const product = await create(t);
      const path = `/v1/products/${product.id}`;
      assert.equal((await get(t, key, path)).body.name, 'Mug');
      const cachedAt = Date.now();
      await renameInDatabase(t, product.id, 'Bowl');
      assert.equal((await get(t, key, path)).body.name, 'Mug', 'still cached: not 2 ms');
      await sleep(2200 - (Date.now() - cachedAt));
      assert.equal((await get(t, key, path)).body.name, 'Bowl', 'expired: not 2000 s');
    } finally {
      await t.close();
    }
  });

  it('CACHE_CONTROL sets the header of key-only reads; reads with a user token stay private', async () => {
    const t = await startTestApp({ CACHE_CONTROL: 'public, max-age=30, s-maxage=300', CACHE_MAX_AGE_SECONDS: '15' });
    try {
      const key = (await t.createApiKey()).key;
      const product = await create(t);
      const res = await get(t, key, `/v1/products/${product.id}`);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=30, s-maxage=300');
      assert.equal(res.headers.get('vary'), 'X-API-Key');
      const token = await t.token({ scope: 'audit:read' });
      const audit = await t.request('GET', '/v1/audit-events?limit=1', { headers: { ...apiKey(key), ...bearer(token) } });
      assert.equal(audit.headers.get('cache-control'), 'private, max-age=15');
    } finally {
      await t.close();
    }
  });
});

describe('caching: several instances on one Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let keyA: string;
  let keyB: string;
  before(async () => {
    // One data dir, so one dev signing key: passport's strategies are process-wide, the last app's serves both.
    const DATA_DIR = mkdtempSync(join(tmpdir(), 'cqrs-test-'));
    a = await startTestApp({ REDIS_URL, DATA_DIR });
    b = await startTestApp({ REDIS_URL, DATA_DIR });
    keyA = (await a.createApiKey()).key;
    keyB = (await b.createApiKey()).key;
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('a write on one instance is seen by the next read on the other', async () => {
    const tag = unique('REDIS').toUpperCase();
    const listPath = `/v1/products?q=${tag}`;
    assert.equal((await get(b, keyB, listPath)).body.data.length, 0);
    const product = await create(a, { sku: `${tag}-0` });
    const page = await get(b, keyB, listPath);
    assert.equal(page.body.data.length, 1);
    assert.equal(page.body.data[0].id, product.id);
  });

  it('an invalidation on one instance ends the answer the other has cached', async () => {
    const product = await create(a);
    const path = `/v1/products/${product.id}`;
    assert.equal((await get(b, keyB, path)).body.name, 'Mug');
    await renameInDatabase(a, product.id, 'Jug');
    assert.equal((await get(b, keyB, path)).body.name, 'Mug', 'cached on b');
    readModelChanged(a, product.id);
    // b's reads look at the shared generation: no wait, no message to miss.
    assert.equal((await get(b, keyB, path)).body.name, 'Jug');
    assert.equal((await get(a, keyA, path)).body.name, 'Jug');
  });

  it('a key revoked or rotated on one instance is refused by the other from the next request on', async () => {
    const manager = bearer(await a.token({ scope: 'api-keys:manage' }));
    const path = '/v1/products?limit=1';
    const revoked = await b.createApiKey();
    const rotated = await b.createApiKey();
    for (const k of [revoked, rotated]) {
      assert.equal((await get(b, k.key, path)).status, 200);
      assert.equal((await get(b, k.key, path)).status, 200, 'cached on b, row and answer');
    }
    assert.equal((await a.request('DELETE', `/v1/api-keys/${revoked.id}`, { headers: manager })).status, 204);
    assert.equal((await get(b, revoked.key, path)).status, 401);
    const rotation = await a.request('POST', `/v1/api-keys/${rotated.id}/rotate`, { headers: manager, body: { gracePeriodSeconds: 0 } });
    assert.equal(rotation.status, 201);
    assert.equal((await get(b, rotated.key, path)).status, 401);
    assert.equal((await get(b, rotation.body.key, path)).status, 200);
  });

  it('an answer computed on one instance is served by the other from Redis', async () => {
    const product = await create(a);
    const path = `/v1/products/${product.id}`;
    assert.equal((await get(a, keyA, path)).body.name, 'Mug');
    await renameInDatabase(a, product.id, 'Pot');
    // b never read it: the old answer it serves can only have come from the shared tier.
    assert.equal((await get(b, keyB, path)).body.name, 'Mug');
    readModelChanged(b, product.id);
    assert.equal((await get(a, keyA, path)).body.name, 'Pot');
  });
});

describe('caching: instances in their own processes on one Redis', () => {
  let t: TestApp;
  let writer: ChildServer;
  let reader: ChildServer;
  let key: string;
  before(async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: `${unique('xproc')}:` };
    t = await startTestApp(env);
    // The same data dir: the children check tokens against the dev key this test signs with.
    [writer, reader] = await Promise.all([startChildServer({ ...env, DATA_DIR: t.config.dataDir }), startChildServer({ ...env, DATA_DIR: t.config.dataDir })]);
    key = (await t.createApiKey()).key;
  });
  after(async () => {
    await Promise.all([writer.stop(), reader.stop()]);
    await t.close();
  });

  it('once a write has answered, the other instance never serves the old version, nor a 304 for its tag', async () => {
    const product = await create(t);
    const path = `/v1/products/${product.id}`;
    const token = await t.token({ sub: 'cache-writer', scope: 'products:write' });
    const read = (etag: string) => fetch(reader.baseUrl + path, { headers: { ...apiKey(key), 'if-none-match': etag } });
    let etag = (await read('"none"')).headers.get('etag')!;
    for (let i = 1; i <= 60; i++) {
      const patched = await fetch(writer.baseUrl + path, {
        method: 'PATCH',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify({ priceCents: i }),
      });
      assert.equal(patched.status, 200);
      const answer = await read(etag);
      assert.equal(answer.status, 200, `write ${i}: a 304 for the tag it replaced`);
      assert.equal(((await answer.json()) as { priceCents: number }).priceCents, i);
      etag = patched.headers.get('etag')!;
    }
  });
});
