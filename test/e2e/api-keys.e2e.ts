import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { API_KEY_PATTERN, formatApiKey, parseApiKey } from '../../src/auth/api-keys/api-key-format.js';
import { startChildServer, type ChildServer } from '../support/child-server.js';
import { apiKey, bearer, startTestApp, unique, type TestApp } from '../support/test-app.js';

const MANAGE = 'api-keys:manage';

/** A query outside any app, for after an app has closed. */
async function query(sql: string, params: unknown[]): Promise<any[]> {
  const client = new pg.Client(process.env.DATABASE_URL);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}
const PROBLEM = 'application/problem+json; charset=utf-8';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** Everything the database knows that must never leave it: the plaintext, the secret and the stored hash. */
async function secretsOf(t: TestApp, plaintext: string): Promise<string[]> {
  const { keyId, secret } = parseApiKey(plaintext)!;
  const [row] = await t.db.query('SELECT secret_hash FROM api_keys WHERE key_id = $1', [keyId]);
  return [plaintext, secret, row.secret_hash];
}

function assertNoSecret(text: string, secrets: string[], what: string): void {
  for (const s of secrets) assert.ok(!text.includes(s), `${what} contains a secret or hash`);
}

describe('api keys: lifecycle through the API', () => {
  let t: TestApp;
  let sub: string;
  let manager: Record<string, string>;

  before(async () => {
    // A short grace period, so the test can watch one end.
    t = await startTestApp({ API_KEY_ROTATION_GRACE_SECONDS: '2' });
    sub = unique('keymaster');
    manager = bearer(await t.token({ sub, scope: MANAGE }));
  });
  after(() => t.close());

  async function create(body: Record<string, unknown> = {}) {
    const res = await t.request('POST', '/v1/api-keys', { headers: manager, body: { name: unique('app'), ...body } });
    assert.equal(res.status, 201, res.text);
    return res;
  }
  const read = (key: string) => t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) }).then((r) => r.status);
  const rotate = (id: string, body?: Record<string, unknown>) => t.request('POST', `/v1/api-keys/${id}/rotate`, { headers: manager, body });
  const revoke = (id: string) => t.request('DELETE', `/v1/api-keys/${id}`, { headers: manager });
  const getKey = (id: string) => t.request('GET', `/v1/api-keys/${id}`, { headers: manager });

  it('POST creates a key, shown this once, with Location; the key reads at once', async () => {
    const expiresAt = inAnHour();
    const res = await create({ name: 'storefront', expiresAt, rateLimitPerMinute: 120 });
    const { key, id, keyId, maskedKey } = res.body;
    assert.match(key, API_KEY_PATTERN);
    assert.equal(parseApiKey(key)!.keyId, keyId);
    assert.equal(maskedKey, `cqrsk_${keyId}_…`);
    assert.equal(res.headers.get('location'), `/v1/api-keys/${id}`);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.body.name, 'storefront');
    assert.equal(res.body.expiresAt, expiresAt);
    assert.equal(res.body.rateLimitPerMinute, 120);
    assert.equal(res.body.createdBy, sub);
    assert.equal(res.body.status, 'active');
    assert.ok(!('secretHash' in res.body));
    assert.equal(await read(key), 200);

    const again = await getKey(id);
    assert.equal(again.status, 200);
    assert.equal(again.body.id, id);
    assert.ok(!('key' in again.body), 'the plaintext is shown only once');
    assertNoSecret(again.text, await secretsOf(t, key), 'GET /v1/api-keys/{id}');
    const [row] = await t.db.query('SELECT secret_hash FROM api_keys WHERE id = $1', [id]);
    assert.match(row.secret_hash, /^[0-9a-f]{64}$/);
  });

  it('GET lists keys with a user token alone, never a secret or hash', async () => {
    const a = await create({ rateLimitPerMinute: 5 });
    const b = await create();
    const res = await t.request('GET', '/v1/api-keys?limit=100', { headers: manager });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store', 'a revoked key must not show as active from a cache');
    const ids = res.body.data.map((k: { id: string }) => k.id);
    assert.ok(ids.indexOf(b.body.id) < ids.indexOf(a.body.id) && ids.indexOf(b.body.id) >= 0, 'newest first');
    const listed = res.body.data.find((k: { id: string }) => k.id === a.body.id);
    assert.deepEqual(Object.keys(listed).sort(), [
      'createdAt', 'createdBy', 'expiresAt', 'graceUntil', 'id', 'keyId', 'lastUsedAt', 'maskedKey', 'name',
      'rateLimitPerMinute', 'replacedBy', 'requestCount', 'revokedAt', 'status',
    ]);
    assert.equal(listed.rateLimitPerMinute, 5);
    assert.equal(listed.createdBy, sub);
    assert.equal(listed.requestCount, 0);
    for (const k of [a, b]) assertNoSecret(res.text, await secretsOf(t, k.body.key), 'GET /v1/api-keys');

    const page = await t.request('GET', '/v1/api-keys?limit=1', { headers: manager });
    assert.equal(page.body.data.length, 1);
    const next = await t.request('GET', `/v1/api-keys?limit=1&cursor=${page.body.nextCursor}`, { headers: manager });
    assert.equal(next.status, 200);
    assert.notEqual(next.body.data[0].id, page.body.data[0].id);
  });

  it('who may: a user token with api-keys:manage; an API key is neither needed nor enough', async () => {
    const { key } = await t.createApiKey();
    const noScope = bearer(await t.token({ scope: 'products:write audit:read' }));

    const keyOnlyList = await t.request('GET', '/v1/api-keys', { headers: apiKey(key) });
    assert.equal(keyOnlyList.status, 401);
    assert.match(keyOnlyList.headers.get('www-authenticate') ?? '', /^Bearer realm="/);
    assert.equal((await t.request('GET', '/v1/api-keys')).status, 401);

    for (const [method, path] of [['GET', '/v1/api-keys'], ['POST', '/v1/api-keys']]) {
      const res = await t.request(method, path, { headers: noScope, body: method === 'POST' ? { name: 'x' } : undefined });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope", scope="api-keys:manage"/);
    }

    const created = await create();
    for (const [method, path] of [
      ['POST', '/v1/api-keys'],
      ['POST', `/v1/api-keys/${created.body.id}/rotate`],
      ['DELETE', `/v1/api-keys/${created.body.id}`],
    ]) {
      const res = await t.request(method, path, { headers: apiKey(key), body: method === 'POST' ? { name: 'x' } : undefined });
      assert.equal(res.status, 405, `${method} ${path} with an API key alone`);
      assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
      assert.match(res.body.detail, /API keys do not identify a user/);
    }
    assert.equal(await read(created.body.key), 200, 'nothing was rotated or revoked');

    // A key that comes along with the token must be valid; a valid one is fine.
    assert.equal((await t.request('GET', '/v1/api-keys', { headers: { ...manager, ...apiKey('cqrsk_nope') } })).status, 401);
    assert.equal((await t.request('GET', '/v1/api-keys', { headers: { ...manager, ...apiKey(key) } })).status, 200);
  });

  it('400 for invalid input, 404 for an unknown key', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'name'],
      [{ name: '' }, 'name'],
      [{ name: ' \t ' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'x', expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
      [{ name: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ name: 'x', expiresAt: '2030-W01-1' }, 'expiresAt'],
      [{ name: 'x', expiresAt: '2030-01-01T00:00:00' }, 'expiresAt'],
      [{ name: 'x', rateLimitPerMinute: 0 }, 'rateLimitPerMinute'],
      [{ name: 'x', rateLimitPerMinute: 1.5 }, 'rateLimitPerMinute'],
      [{ name: 'x', secretHash: 'mine' }, 'secretHash'],
      [{ name: '\u200b' }, 'name'],
      [{ name: 'x', toString: 'mine' }, 'toString'],
      [{ name: 'x', hasOwnProperty: 1 }, 'hasOwnProperty'],
    ];
    for (const [body, field] of cases) {
      const res = await t.request('POST', '/v1/api-keys', { headers: manager, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.headers.get('content-type'), PROBLEM);
      assert.ok(res.body.errors.some((e: { field: string }) => e.field === field), `${JSON.stringify(body)} names ${field}`);
    }
    const { body } = await create();
    assert.equal((await rotate(body.id, { gracePeriodSeconds: 30 * 86_400 + 1 })).status, 400);
    assert.equal((await rotate(body.id, { gracePeriodSeconds: -1 })).status, 400);
    assert.equal((await rotate('not-a-uuid')).status, 400);
    assert.equal((await revoke('not-a-uuid')).status, 400);
    const nobody = '00000000-0000-4000-8000-000000000000';
    assert.equal((await rotate(nobody)).status, 404);
    assert.equal((await revoke(nobody)).status, 404);
    assert.equal((await getKey(nobody)).status, 404);
  });

  it('rotation: a new key at once; the old one works through the grace period (2 s here), then 401', async () => {
    const old = (await create({ rateLimitPerMinute: 7 })).body;
    assert.equal(await read(old.key), 200);
    const res = await rotate(old.id);
    assert.equal(res.status, 201, res.text);
    const fresh = res.body;
    assert.match(fresh.key, API_KEY_PATTERN);
    assert.notEqual(fresh.id, old.id);
    assert.notEqual(fresh.keyId, old.keyId);
    assert.equal(res.headers.get('location'), `/v1/api-keys/${fresh.id}`);
    assert.equal(fresh.name, old.name);
    assert.equal(fresh.rateLimitPerMinute, 7);
    assert.equal(fresh.replaces.id, old.id);
    const graceUntil = Date.parse(fresh.replaces.graceUntil);
    assert.ok(Math.abs(graceUntil - (Date.now() + 2000)) < 1500, 'API_KEY_ROTATION_GRACE_SECONDS applies');

    assert.equal(await read(fresh.key), 200);
    assert.equal(await read(old.key), 200, 'the old key works within its grace period');
    const during = (await getKey(old.id)).body;
    assert.equal(during.status, 'rotating');
    assert.equal(during.replacedBy, fresh.id);
    assert.equal(during.graceUntil, fresh.replaces.graceUntil);

    await sleep(graceUntil - Date.now() + 100);
    assert.equal(await read(old.key), 401, 'the old key stops after its grace period');
    assert.equal(await read(fresh.key), 200);
    assert.equal((await getKey(old.id)).body.status, 'superseded');
  });

  it('rotation: gracePeriodSeconds 0 ends the old key now; expiry is inherited unless given', async () => {
    const expiresAt = inAnHour();
    const old = (await create({ expiresAt })).body;
    const res = await rotate(old.id, { gracePeriodSeconds: 0 });
    assert.equal(res.status, 201);
    assert.equal(await read(old.key), 401);
    assert.equal(await read(res.body.key), 200);
    assert.equal(res.body.expiresAt, expiresAt);

    const later = new Date(Date.now() + 7_200_000).toISOString();
    const again = await rotate(res.body.id, { gracePeriodSeconds: 60, expiresAt: later });
    assert.equal(again.body.expiresAt, later);

    // null is "never expires", on a rotation as on a creation: never the epoch.
    const forever = await rotate(again.body.id, { gracePeriodSeconds: 0, expiresAt: null });
    assert.equal(forever.status, 201);
    assert.deepEqual([forever.body.expiresAt, forever.body.status], [null, 'active']);
    assert.equal(await read(forever.body.key), 200);
    const created = await create({ expiresAt: null });
    assert.deepEqual([created.status, created.body.expiresAt, created.body.status], [201, null, 'active']);
    assert.equal(await read(created.body.key), 200);
  });

  it('rotation: 409 for a revoked key or one already rotated', async () => {
    const a = (await create()).body;
    assert.equal((await rotate(a.id)).status, 201);
    const twice = await rotate(a.id);
    assert.equal(twice.status, 409);
    assert.equal(twice.headers.get('content-type'), PROBLEM);
    const b = (await create()).body;
    assert.equal((await revoke(b.id)).status, 204);
    assert.equal((await rotate(b.id)).status, 409);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM api_keys WHERE name = $1`, [b.name]);
    assert.equal(n, 1, 'a refused rotation creates no key');
  });

  it('DELETE revokes: the next request with the key is 401; again is 204, changes nothing and is audited as such', async () => {
    const k = (await create()).body;
    assert.equal(await read(k.key), 200);
    const res = await revoke(k.id);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal(await read(k.key), 401);
    const listed = (await getKey(k.id)).body;
    assert.equal(listed.status, 'revoked');
    assert.ok(listed.revokedAt);

    assert.equal((await revoke(k.id)).status, 204);
    assert.equal((await getKey(k.id)).body.revokedAt, listed.revokedAt, 'the first revocation keeps its time');
    const rows = await t.db.query(`SELECT changes FROM audit_events WHERE resource_id = $1 AND action = 'api-keys.revoke' ORDER BY occurred_at`, [k.id]);
    assert.equal(rows.length, 2);
    assert.ok(rows[0].changes.revokedAt);
    assert.deepEqual(rows[1].changes, {});
  });

  it('DELETE cuts a grace period short', async () => {
    const old = (await create()).body;
    const fresh = (await rotate(old.id, { gracePeriodSeconds: 3600 })).body;
    assert.equal(await read(old.key), 200);
    assert.equal((await revoke(old.id)).status, 204);
    assert.equal(await read(old.key), 401);
    assert.equal(await read(fresh.key), 200);
    const record = (await getKey(old.id)).body;
    assert.equal(record.graceUntil, record.revokedAt, 'the record says the grace ended with the revocation');
  });

  it('create, rotate and revoke are audited in their transaction, naming the user, never a secret or hash', async () => {
    const old = (await create({ rateLimitPerMinute: 9 })).body;
    const fresh = (await rotate(old.id)).body;
    assert.equal((await revoke(fresh.id)).status, 204);

    const rows = await t.db.query(
      `SELECT action, resource_id, actor_sub, actor_issuer, resource_type, changes FROM audit_events
        WHERE resource_id = ANY($1) ORDER BY occurred_at, action`,
      [[old.id, fresh.id]],
    );
    assert.deepEqual(
      rows.map((r: { action: string; resource_id: string }) => [r.action, r.resource_id]).sort(),
      [['api-keys.create', fresh.id], ['api-keys.create', old.id], ['api-keys.revoke', fresh.id], ['api-keys.rotate', old.id]].sort(),
    );
    for (const r of rows) {
      assert.equal(r.actor_sub, sub);
      assert.equal(r.actor_issuer, t.config.auth.issuer);
      assert.equal(r.resource_type, 'api-key');
    }
    const byAction = (action: string, id: string) => rows.find((r: { action: string; resource_id: string }) => r.action === action && r.resource_id === id).changes;
    assert.deepEqual(byAction('api-keys.create', old.id).rateLimitPerMinute, { before: null, after: 9 });
    assert.deepEqual(byAction('api-keys.create', old.id).keyId, { before: null, after: old.keyId });
    assert.deepEqual(byAction('api-keys.rotate', old.id).replacedBy, { before: null, after: fresh.id });
    assert.deepEqual(byAction('api-keys.create', fresh.id).replaces, { before: null, after: old.id });
    assert.equal(byAction('api-keys.revoke', fresh.id).revokedAt.before, null);

    const all = JSON.stringify(rows);
    assertNoSecret(all, [...(await secretsOf(t, old.key)), ...(await secretsOf(t, fresh.key))], 'the audit trail');
    // And through the API, as the audit trail's readers see it.
    const reader = { ...apiKey((await t.createApiKey()).key), ...bearer(await t.token({ scope: 'audit:read' })) };
    const trail = await t.request('GET', `/v1/audit-events?resourceType=api-key&actor=${sub}&limit=100`, { headers: reader });
    assert.equal(trail.status, 200);
    assert.ok(trail.body.data.length >= 4);
    assertNoSecret(trail.text, [...(await secretsOf(t, old.key)), ...(await secretsOf(t, fresh.key))], 'GET /v1/audit-events');
  });

  it('the OpenAPI document declares every endpoint with its scope, and no API key on them', async () => {
    const doc = (await t.request('GET', '/docs-json')).body;
    const ops: [string, string, number][] = [
      ['/v1/api-keys', 'post', 201],
      ['/v1/api-keys', 'get', 200],
      ['/v1/api-keys/{id}', 'get', 200],
      ['/v1/api-keys/{id}/rotate', 'post', 201],
      ['/v1/api-keys/{id}', 'delete', 204],
    ];
    for (const [path, method, status] of ops) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path} is documented`);
      assert.deepEqual(op.security, [{ 'user-token': [MANAGE] }], `${method} ${path}`);
      assert.ok(op.responses[status], `${method} ${path} documents ${status}`);
    }
    const created = doc.components.schemas.CreatedApiKeyResponse.properties;
    assert.ok(created.key);
    assert.ok(!doc.components.schemas.ApiKeyResponse.properties.key, 'lists never show the key');
    assert.ok(!JSON.stringify(doc.components.schemas).includes('secretHash'));
  });

  it('unknown, malformed, wrong-secret, revoked, expired and past-grace keys all get the same 401 body', async () => {
    const good = (await create()).body;
    const revoked = (await create()).body;
    await revoke(revoked.id);
    const rotated = (await create()).body;
    await rotate(rotated.id, { gracePeriodSeconds: 0 });
    const { key: expired } = await t.createApiKey({ expiresAt: new Date(Date.now() - 1000) });
    const { keyId, secret } = parseApiKey(good.key)!;
    const wrongSecret = formatApiKey(keyId, secret.slice(1) + (secret[0] === 'a' ? 'b' : 'a'));
    const unknown = formatApiKey('0123456789abcdef', secret);
    const malformed = good.key.slice(0, -1) + (good.key.at(-1) === 'a' ? 'b' : 'a');

    const bodies = new Set<string>();
    for (const key of [unknown, malformed, wrongSecret, revoked.key, expired, rotated.key, 'garbage']) {
      const res = await t.request('GET', '/v1/products', { headers: apiKey(key) });
      assert.equal(res.status, 401, key);
      assert.equal(res.headers.get('content-type'), PROBLEM);
      const { requestId, ...rest } = res.body;
      assert.ok(requestId);
      bodies.add(JSON.stringify(rest) + res.headers.get('www-authenticate'));
    }
    assert.equal(bodies.size, 1);
    assert.equal(await read(good.key), 200);
  });
});

describe('api keys: usage is counted in memory and written in batches', () => {
  it('no write per request: the counts reach the database on flush, here at shutdown', async () => {
    const t = await startTestApp({ API_KEY_USAGE_FLUSH_SECONDS: '3600' });
    let closed = false;
    try {
      const { key, id } = await t.createApiKey();
      const before = Date.now();
      for (let i = 0; i < 3; i++) assert.equal((await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) })).status, 200);
      const [during] = await t.db.query('SELECT request_count, last_used_at FROM api_keys WHERE id = $1', [id]);
      assert.equal(Number(during.request_count), 0, 'nothing written per request');
      assert.equal(during.last_used_at, null);

      await t.close();
      closed = true;
      const [row] = await query('SELECT request_count, last_used_at FROM api_keys WHERE id = $1', [id]);
      assert.equal(Number(row.request_count), 3);
      assert.ok(row.last_used_at.getTime() >= before - 1000);
    } finally {
      if (!closed) await t.close();
    }
  });

  it('every API_KEY_USAGE_FLUSH_SECONDS, and shown in the list', async () => {
    const t = await startTestApp({ API_KEY_USAGE_FLUSH_SECONDS: '1' });
    try {
      const { key, id } = await t.createApiKey();
      for (let i = 0; i < 2; i++) assert.equal((await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) })).status, 200);
      const count = await eventually(async () => (await t.db.query('SELECT request_count::int AS n FROM api_keys WHERE id = $1', [id]))[0].n, 2);
      assert.equal(count, 2);
      const res = await t.request('GET', `/v1/api-keys/${id}`, { headers: bearer(await t.token({ scope: MANAGE })) });
      assert.equal(res.body.requestCount, 2);
      assert.ok(res.body.lastUsedAt);
    } finally {
      await t.close();
    }
  });
});

/** Polls `read` until it gives `expected` or 10 s pass; returns the last value. */
async function eventually<T>(read: () => Promise<T>, expected: T): Promise<T> {
  let value = await read();
  for (let i = 0; i < 50 && value !== expected; i++) {
    await sleep(200);
    value = await read();
  }
  return value;
}

/** Instance b is a separate process: two apps in one process would share passport's strategies, so one cache. */
describe('api keys: several instances', () => {
  let a: TestApp;
  let b: ChildServer;
  before(async () => {
    a = await startTestApp({ API_KEY_USAGE_FLUSH_SECONDS: '1' });
    b = await startChildServer();
  });
  after(async () => {
    await b.stop();
    await a.close();
  });

  it('a key revoked on one instance is refused on the other within API_KEY_CACHE_TTL_MS (1 s)', async () => {
    assert.equal(a.config.apiKeys.cacheTtlMs, 1000, 'the documented default');
    const { key, id } = await a.createApiKey();
    const onA = () => a.request('GET', '/v1/products?limit=1', { headers: apiKey(key) }).then((r) => r.status);
    const onB = () => fetch(`${b.baseUrl}/v1/products?limit=1`, { headers: apiKey(key) }).then((r) => r.status);
    assert.equal(await onB(), 200, 'b now holds the key in its cache');
    assert.equal(await onA(), 200);
    const res = await a.request('DELETE', `/v1/api-keys/${id}`, { headers: bearer(await a.token({ scope: MANAGE })) });
    assert.equal(res.status, 204);
    assert.equal(await onA(), 401, 'at once on the instance that revoked it');
    await sleep(a.config.apiKeys.cacheTtlMs + 100);
    assert.equal(await onB(), 401, 'within the cache TTL on the other');
  });

  it('usage counts from several instances add up', async () => {
    const { key, id } = await a.createApiKey();
    assert.equal((await a.request('GET', '/v1/products?limit=1', { headers: apiKey(key) })).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await fetch(`${b.baseUrl}/v1/products?limit=1`, { headers: apiKey(key) })).status, 200);
    const count = await eventually(async () => (await a.db.query('SELECT request_count::int AS n FROM api_keys WHERE id = $1', [id]))[0].n, 3);
    assert.equal(count, 3);
  });
});
