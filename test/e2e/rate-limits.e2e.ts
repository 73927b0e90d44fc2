import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service.js';
import type { Env } from '../../src/config/app-config.js';
import { apiKey, bearer, startTestApp, unique, type HttpResult, type TestApp } from '../support/test-app.js';
import { newProduct } from '../support/products.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function assertBudget(res: HttpResult, policy: string, limit: number, remaining: number, label = ''): void {
  assert.equal(res.headers.get('ratelimit-policy'), `"${policy}";q=${limit};w=60`, `${label} policy`);
  const ratelimit = res.headers.get('ratelimit') ?? '';
  const match = new RegExp(`^"${policy}";r=(\\d+);t=(\\d+)$`).exec(ratelimit);
  assert.ok(match, `${label} RateLimit ${ratelimit}`);
  assert.equal(Number(match[1]), remaining, `${label} remaining`);
  assert.ok(Number(match[2]) >= 1 && Number(match[2]) <= 60, `${label} reset ${match[2]}`);
}

function assertTooMany(res: HttpResult, policy: string, limit: number, label = ''): void {
  assert.equal(res.status, 429, `${label} status`);
  assertBudget(res, policy, limit, 0, label);
  const retryAfter = Number(res.headers.get('retry-after'));
  const reset = Number(/;t=(\d+)$/.exec(res.headers.get('ratelimit') ?? '')?.[1]);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= reset && retryAfter <= 60, `${label} Retry-After ${retryAfter}`);
  assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.body.status, 429);
  assert.equal(res.body.type, 'https://iana.org/assignments/http-problem-types#quota-exceeded');
  assert.deepEqual(res.body['violated-policies'], [policy]);
  assert.ok(res.body.requestId);
}

/** Counts API-key lookups, to prove which requests never reached one. */
function countLookups(t: TestApp): () => number {
  const service = t.app.get(ApiKeysService);
  const original = service.authenticate.bind(service);
  let lookups = 0;
  service.authenticate = (candidate: string) => {
    lookups++;
    return original(candidate);
  };
  return () => lookups;
}

describe('rate limits per API key (reads) and per user (writes)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ RATE_LIMIT_READS_PER_MINUTE: '3', RATE_LIMIT_WRITES_PER_MINUTE: '2' });
  });
  after(() => t.close());

  it('reads count per key against the default; RateLimit headers on every answer; 429 with Retry-After', async () => {
    const { key } = await t.createApiKey();
    for (let remaining = 2; remaining >= 0; remaining--) {
      const res = await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) });
      assert.equal(res.status, 200);
      assertBudget(res, 'per-key', 3, remaining);
    }
    assertTooMany(await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) }), 'per-key', 3);
    const head = await t.request('HEAD', '/v1/products', { headers: apiKey(key) });
    assert.equal(head.status, 429);
    assertBudget(head, 'per-key', 3, 0, 'HEAD');
    const unknownId = await t.request('GET', '/v1/products/00000000-0000-4000-8000-000000000000', { headers: apiKey(key) });
    assert.equal(unknownId.status, 429, 'the budget is spent before any lookup of the resource');
  });

  it("a key's own rateLimitPerMinute replaces the default", async () => {
    const { key } = await t.createApiKey({ rateLimitPerMinute: 5 });
    for (let i = 0; i < 5; i++) assert.equal((await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) })).status, 200);
    assertTooMany(await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) }), 'per-key', 5);
  });

  it('two keys behind one address have separate budgets', async () => {
    const { key: first } = await t.createApiKey({ rateLimitPerMinute: 1 });
    const { key: second } = await t.createApiKey({ rateLimitPerMinute: 1 });
    assert.equal((await t.request('GET', '/v1/products?limit=1', { headers: apiKey(first) })).status, 200);
    assert.equal((await t.request('GET', '/v1/products?limit=1', { headers: apiKey(first) })).status, 429);
    const other = await t.request('GET', '/v1/products?limit=1', { headers: apiKey(second) });
    assert.equal(other.status, 200);
    assertBudget(other, 'per-key', 1, 0);
  });

  it('writes count per user, whatever key or client comes along; a 429 writes nothing', async () => {
    const { key } = await t.createApiKey();
    const alice = unique('alice');
    const token = () => t.token({ sub: alice, scope: 'products:write' });
    for (let remaining = 1; remaining >= 0; remaining--) {
      const res = await t.request('POST', '/v1/products', { headers: bearer(await token()), body: newProduct() });
      assert.equal(res.status, 201);
      assertBudget(res, 'per-user', 2, remaining);
    }
    const body = newProduct();
    const refused = await t.request('POST', '/v1/products', { headers: { ...bearer(await token()), ...apiKey(key) }, body });
    assertTooMany(refused, 'per-user', 2);
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM products WHERE sku = $1', [body.sku]);
    assert.equal(n, 0);
    const bob = await t.request('POST', '/v1/products', { headers: bearer(await t.token({ sub: unique('bob'), scope: 'products:write' })), body: newProduct() });
    assert.equal(bob.status, 201);
  });

  it('a write does not spend the read budget of the key that comes along', async () => {
    const { key } = await t.createApiKey({ rateLimitPerMinute: 1 });
    const res = await t.request('POST', '/v1/products', { headers: { ...bearer(await t.token({ scope: 'products:write' })), ...apiKey(key) }, body: newProduct() });
    assert.equal(res.status, 201);
    assert.equal((await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) })).status, 200);
  });
});

describe('rate limit per address for failed authentication', () => {
  async function app(env: Partial<Env> = {}): Promise<TestApp> {
    return startTestApp({ RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '3', ...env });
  }

  it('only failures count; once spent, keys not yet proven are refused before any lookup; proven keys and tokens go on', async () => {
    const t = await app();
    try {
      const lookups = countLookups(t);
      const { key: proven } = await t.createApiKey();
      const { key: unproven } = await t.createApiKey();
      for (let i = 0; i < 10; i++) assert.equal((await t.request('GET', '/v1/products?limit=1', { headers: apiKey(proven) })).status, 200);

      const failures = [
        await t.request('GET', '/v1/products', { headers: apiKey(`${proven.slice(0, -3)}xyz`) }),
        await t.request('GET', '/v1/products'),
        await t.request('POST', '/v1/products', { headers: bearer('not-a-token'), body: newProduct() }),
      ];
      failures.forEach((res, i) => {
        assert.equal(res.status, 401, `failure ${i}`);
        assertBudget(res, 'per-ip', 3, 2 - i, `failure ${i}`);
      });

      const before = lookups();
      assertTooMany(await t.request('GET', '/v1/products', { headers: apiKey(`${proven.slice(0, -3)}abc`) }), 'per-ip', 3, 'guess');
      assertTooMany(await t.request('GET', '/v1/products', { headers: apiKey(unproven) }), 'per-ip', 3, 'unproven key');
      assert.equal(lookups(), before, 'no key was looked up once the budget was spent');
      assertTooMany(await t.request('GET', '/v1/products'), 'per-ip', 3, 'no credentials');
      assertTooMany(await t.request('POST', '/v1/products', { headers: bearer('x.y.z'), body: newProduct() }), 'per-ip', 3, 'bad token');

      const ok = await t.request('GET', '/v1/products?limit=1', { headers: apiKey(proven) });
      assert.equal(ok.status, 200, 'the genuine application behind the same address goes on');
      assertBudget(ok, 'per-key', 1_000_000, 1_000_000 - 11);
      const write = await t.request('POST', '/v1/products', { headers: bearer(await t.token({ scope: 'products:write' })), body: newProduct() });
      assert.equal(write.status, 201, 'a valid user token is verified offline and goes on');
      assert.equal((await t.request('GET', '/health/live')).status, 200, 'public routes are not limited');
    } finally {
      await t.close();
    }
  });

  it('a forged X-Forwarded-For changes nothing without TRUST_PROXY', async () => {
    const t = await app();
    try {
      for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
        assert.equal((await t.request('GET', '/v1/products', { headers: { 'x-forwarded-for': ip } })).status, 401);
      }
      assertTooMany(await t.request('GET', '/v1/products', { headers: { 'x-forwarded-for': '198.51.100.4' } }), 'per-ip', 3);
    } finally {
      await t.close();
    }
  });

  it('behind a trusted proxy the forwarded client is counted, IPv6 per /64', async () => {
    const t = await app({ TRUST_PROXY: '127.0.0.1' });
    try {
      const fail = (ip: string) => t.request('GET', '/v1/products', { headers: { 'x-forwarded-for': ip } });
      for (let i = 0; i < 3; i++) assert.equal((await fail('203.0.113.7')).status, 401);
      assert.equal((await fail('203.0.113.7')).status, 429);
      assert.equal((await fail('203.0.113.8')).status, 401, 'another client behind the proxy');
      assert.equal((await fail('198.51.100.9, 203.0.113.9')).status, 401, 'the nearest untrusted hop counts, not what the client wrote');

      for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::3']) assert.equal((await fail(ip)).status, 401);
      assert.equal((await fail('2001:db8:1:2::4')).status, 429, 'same /64');
      assert.equal((await fail('2001:db8:1:3::1')).status, 401, 'another /64');
    } finally {
      await t.close();
    }
  });
});

describe('rate limits shared through Redis', () => {
  it('two instances on one Redis share every budget', async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: `${unique('test')}:`, RATE_LIMIT_READS_PER_MINUTE: '4', RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '2' };
    const a = await startTestApp(env);
    const b = await startTestApp(env);
    try {
      const { key } = await a.createApiKey();
      const apps = [a, b, a, b];
      for (const [i, t] of apps.entries()) {
        const res = await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) });
        assert.equal(res.status, 200);
        assertBudget(res, 'per-key', 4, 3 - i);
      }
      assertTooMany(await b.request('GET', '/v1/products?limit=1', { headers: apiKey(key) }), 'per-key', 4, 'on b');
      assertTooMany(await a.request('GET', '/v1/products?limit=1', { headers: apiKey(key) }), 'per-key', 4, 'on a');

      assert.equal((await a.request('GET', '/v1/products')).status, 401);
      assert.equal((await b.request('GET', '/v1/products')).status, 401);
      assertTooMany(await a.request('GET', '/v1/products'), 'per-ip', 2, 'failures counted across instances');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('an unreachable Redis degrades to counting per instance, never to errors', async () => {
    const t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_READS_PER_MINUTE: '2' });
    try {
      const { key } = await t.createApiKey();
      assert.equal((await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) })).status, 200);
      assert.equal((await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) })).status, 200);
      assertTooMany(await t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) }), 'per-key', 2);
    } finally {
      await t.close();
    }
  });
});
