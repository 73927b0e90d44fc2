import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiKey, bearer, startTestApp, unique, type TestApp } from '../support/test-app.js';
import { newProduct } from '../support/products.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

describe('access: API keys read, user tokens write', () => {
  let t: TestApp;
  let key: string;
  let keyId: string;
  before(async () => {
    t = await startTestApp();
    ({ key, id: keyId } = await t.createApiKey());
  });
  after(() => t.close());

  async function countProducts(sku: string): Promise<number> {
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM products WHERE sku = $1', [sku]);
    return n;
  }

  it('401 on a read without a key, with an unknown, malformed, revoked or expired key: all the same body', async () => {
    const { key: revoked, id: revokedId } = await t.createApiKey();
    await t.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [revokedId]);
    const { key: expired } = await t.createApiKey({ expiresAt: new Date(Date.now() - 1000) });
    const unknown = key.slice(0, 10) + (key[10] === 'a' ? 'b' : 'a') + key.slice(11);
    const bodies = new Set<string>();
    for (const headers of [{}, apiKey('garbage'), apiKey(unknown), apiKey(revoked), apiKey(expired)]) {
      const res = await t.request('GET', '/v1/products', { headers });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('content-type'), PROBLEM);
      const { requestId, ...rest } = res.body;
      assert.ok(requestId);
      bodies.add(JSON.stringify(rest));
    }
    assert.equal(bodies.size, 1);
  });

  it('a key in the query string is not accepted', async () => {
    const res = await t.request('GET', `/v1/products?api_key=${key}`);
    assert.equal(res.status, 401);
  });

  it('a bad bearer token on a read is a 401 invalid_token, even with a valid key and a route that needs no token', async () => {
    for (const token of ['not.a.jwt', await t.token({ ttl: -120 })]) {
      const res = await t.request('GET', '/v1/products', { headers: { ...apiKey(key), ...bearer(token) } });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    }
    for (const authorization of ['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', '']) {
      const res = await t.request('GET', '/v1/products', { headers: { ...apiKey(key), authorization } });
      assert.equal(res.status, 401, JSON.stringify(authorization));
    }
    const good = await t.request('GET', '/v1/products', { headers: { ...apiKey(key), ...bearer(await t.token()) } });
    assert.equal(good.status, 200);
  });

  it("a write's credentials are judged before its body is read: 405 key alone, 401 no or bad token, 403 scope", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await t.token({ scope: 'products:write', claims: { iat: now - 600, exp: now - 300 } });
    const cases = [
      [apiKey(key), 405],
      [{}, 401],
      [bearer('not.a.jwt'), 401],
      [{ ...apiKey(key), authorization: 'Bearer' }, 401],
      [{ ...apiKey(key), authorization: 'Bearer   ' }, 401],
      [{ ...apiKey(key), authorization: 'Basic dXNlcjpwYXNz' }, 405],
      [bearer(expired), 401],
      [{ ...apiKey('garbage'), ...bearer(await t.token({ scope: 'products:write' })) }, 401],
      [bearer(await t.token({ scope: 'audit:read' })), 403],
    ] as const;
    const bodies = [['application/json', '{"sku":'], ['text/plain', 'hello'], ['application/json', 'x'.repeat(100_000)]] as const;
    for (const [headers, status] of cases) {
      for (const [contentType, rawBody] of bodies) {
        const res = await t.request('POST', '/v1/products', { headers: { ...headers, 'content-type': contentType }, rawBody });
        assert.equal(res.status, status, `${JSON.stringify(headers).slice(0, 40)} ${contentType} ${rawBody.slice(0, 10)}`);
        assert.equal(res.headers.get('content-type'), PROBLEM);
      }
    }
    // Once the caller may write, the body is judged as usual.
    const writer = bearer(await t.token({ scope: 'products:write' }));
    const statuses = [];
    for (const [contentType, rawBody] of bodies) {
      statuses.push((await t.request('POST', '/v1/products', { headers: { ...writer, 'content-type': contentType }, rawBody })).status);
    }
    assert.deepEqual(statuses, [400, 415, 413]);
  });

  it('a bearer token alone does not read', async () => {
    const res = await t.request('GET', '/v1/products', { headers: bearer(await t.token({ scope: 'products:write' })) });
    assert.equal(res.status, 401);
  });

  it('405 for a write with an API key and no token, and nothing is written', async () => {
    const body = newProduct();
    const res = await t.request('POST', '/v1/products', { headers: apiKey(key), body });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="/);
    assert.match(res.body.detail, /API keys do not identify a user/);
    assert.equal(res.headers.get('content-type'), PROBLEM);
    assert.equal(await countProducts(body.sku), 0);
  });

  it('a write with an invalid API key is a 401 with a Bearer challenge, with or without a token', async () => {
    const token = await t.token({ scope: 'products:write' });
    for (const headers of [apiKey('garbage'), { ...apiKey('garbage'), ...bearer(token) }]) {
      const body = newProduct();
      const res = await t.request('POST', '/v1/products', { headers, body });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+"$/);
      assert.equal(await countProducts(body.sku), 0);
    }
  });

  it('challenges start as the contract quotes them', async () => {
    const bad = await t.request('POST', '/v1/products', { headers: bearer('not.a.jwt'), body: newProduct() });
    assert.match(bad.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    const scope = await t.request('POST', '/v1/products', { headers: bearer(await t.token({ scope: 'audit:read' })), body: newProduct() });
    assert.match(scope.headers.get('www-authenticate') ?? '', /^Bearer error="insufficient_scope", scope="products:write"/);
  });

  it('401 with a Bearer challenge for a write with no credentials', async () => {
    const res = await t.request('POST', '/v1/products', { body: newProduct() });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+"$/);
  });

  it('401 invalid_token for an expired token, even with a valid API key beside it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await t.token({ scope: 'products:write', claims: { iat: now - 600, exp: now - 300 } });
    const body = newProduct();
    const res = await t.request('POST', '/v1/products', { headers: { ...bearer(expired), ...apiKey(key) }, body });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.equal(await countProducts(body.sku), 0);
  });

  it('401 invalid_token for tokens that break a rule', async () => {
    const now = Math.floor(Date.now() / 1000);
    const scope = 'products:write';
    const good = await t.token({ scope });
    const [h, p] = good.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const edited = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'mallory' })).toString('base64url')}.${good.split('.')[2]}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    const cases: Record<string, string> = {
      malformed: 'not.a.jwt',
      unsigned,
      edited,
      wrongIssuer: await t.token({ scope, claims: { iss: 'https://evil.example' } }),
      wrongAudience: await t.token({ scope, claims: { aud: 'someone-else' } }),
      noSub: await t.token({ scope, claims: { sub: undefined } }),
      blankSub: await t.token({ scope, claims: { sub: '   ' } }),
      trailingGarbage: `${good} extra`,
      noExp: await t.token({ scope, claims: { exp: undefined } }),
      noIat: await t.token({ scope, claims: { iat: undefined } }),
      notYetValid: await t.token({ scope, claims: { nbf: now + 600 } }),
      iatInFuture: await t.token({ scope, claims: { iat: now + 600, exp: now + 900 } }),
      tooLong: await t.token({ scope, claims: { iat: now, exp: now + 3601 } }),
      jkuHeader: await t.token({ scope, header: { jku: 'https://evil.example/jwks' } }),
      unknownKid: await t.token({ scope, header: { kid: 'nobody' } }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const body = newProduct();
      const res = await t.request('POST', '/v1/products', { headers: bearer(token), body });
      assert.equal(res.status, 401, name);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/, name);
      assert.equal(res.headers.get('content-type'), PROBLEM, name);
      assert.equal(await countProducts(body.sku), 0, name);
    }
  });

  it('403 insufficient_scope names the scope that is missing', async () => {
    const res = await t.request('POST', '/v1/products', { headers: bearer(await t.token({ scope: 'audit:read' })), body: newProduct() });
    assert.equal(res.status, 403);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope", scope="products:write"/);
  });

  it('accepts scopes from scp as an array', async () => {
    const token = await t.token({ claims: { scope: undefined, scp: ['products:write'] } });
    const res = await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct() });
    assert.equal(res.status, 201);
  });

  it('a write with a token and an invalid API key is refused; with a valid one the key is recorded', async () => {
    const token = await t.token({ scope: 'products:write' });
    const bad = await t.request('POST', '/v1/products', { headers: { ...bearer(token), ...apiKey('cqrsk_nope') }, body: newProduct() });
    assert.equal(bad.status, 401);
    const ok = await t.request('POST', '/v1/products', { headers: { ...bearer(token), ...apiKey(key) }, body: newProduct() });
    assert.equal(ok.status, 201);
    const [row] = await t.db.query('SELECT api_key_id FROM audit_events WHERE resource_id = $1', [ok.body.id]);
    assert.equal(row.api_key_id, keyId);
  });

  it('the audit trail needs both an API key and a token with audit:read', async () => {
    assert.equal((await t.request('GET', '/v1/audit-events', { headers: apiKey(key) })).status, 401);
    const noScope = await t.request('GET', '/v1/audit-events', { headers: { ...apiKey(key), ...bearer(await t.token({ scope: 'products:write' })) } });
    assert.equal(noScope.status, 403);
    assert.match(noScope.headers.get('www-authenticate') ?? '', /scope="audit:read"/);
    const tokenOnly = await t.request('GET', '/v1/audit-events', { headers: bearer(await t.token({ scope: 'audit:read' })) });
    assert.equal(tokenOnly.status, 401);
    const ok = await t.request('GET', '/v1/audit-events', { headers: { ...apiKey(key), ...bearer(await t.token({ scope: 'audit:read' })) } });
    assert.equal(ok.status, 200);
  });

  it('no secret reaches a response', async () => {
    const token = await t.token({ scope: 'audit:read' });
    const res = await t.request('GET', '/v1/audit-events?limit=100', { headers: { ...apiKey(key), ...bearer(token) } });
    assert.ok(!res.text.includes(key));
    assert.ok(!res.text.includes(token));
  });
});
