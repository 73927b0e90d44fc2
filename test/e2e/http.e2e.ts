import { gzipSync } from 'node:zlib';
import { rawExchange } from '../support/raw-http.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('http: health, docs, request ids', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('health endpoints need no credentials', async () => {
    assert.equal((await t.request('GET', '/health/live')).status, 200);
    const ready = await t.request('GET', '/health/ready');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ok');
  });

  it('serves the OpenAPI document with both security schemes and every scope', async () => {
    const doc = await t.request('GET', '/docs-json');
    assert.equal(doc.status, 200);
    assert.match(doc.body.openapi, /^3\./);
    const schemes = doc.body.components.securitySchemes;
    assert.equal(schemes['api-key'].type, 'apiKey');
    assert.equal(schemes['api-key'].name, 'X-API-Key');
    assert.equal(schemes['user-token'].type, 'oauth2');
    const scopes = Object.keys(schemes['user-token'].flows.authorizationCode.scopes).sort();
    assert.deepEqual(scopes, ['api-keys:manage', 'audit:read', 'inventory:write', 'products:admin', 'products:write']);
    assert.deepEqual(doc.body.paths['/v1/products'].post.security, [{ 'user-token': ['products:write'] }]);
    assert.ok(doc.body.paths['/v1/products/{id}'].get.security.some((s: object) => 'api-key' in s));
    assert.equal(doc.headers.get('cache-control'), 'no-cache');
    assert.equal((await t.request('GET', '/docs')).status, 200);
  });

  it('keeps a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await t.request('GET', '/health/live', { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(kept.headers.get('x-request-id'), 'abc-123');
    const replaced = await t.request('GET', '/health/live', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const problem = await t.request('GET', '/v1/products');
    assert.equal(problem.body.requestId, problem.headers.get('x-request-id'));
  });

  it('unknown routes are 404 problems', async () => {
    const res = await t.request('GET', '/nowhere?token=secret');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.ok(!res.text.includes('secret'), 'the query string is echoed');
  });

  it('a URL the router cannot decode is a 400 problem with a request id', async () => {
    const res = await t.request('GET', '/v1/products/%E0%A4%A');
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.body.requestId, res.headers.get('x-request-id'));
    assert.ok(res.body.requestId);
  });
});

describe('http: text PostgreSQL cannot store, and bodies that are not JSON', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('a NUL or an unpaired surrogate in a query or a body is a 400 naming the field, never a 500', async () => {
    const { key } = await t.createApiKey();
    const q = await t.request('GET', '/v1/products?q=%00', { headers: { 'x-api-key': key } });
    assert.equal(q.status, 400);
    assert.deepEqual(q.body.errors.map((e: { field: string }) => e.field), ['q']);
    const token = await t.token({ scope: 'products:write' });
    for (const name of ['a\u0000b', 'a\ud800b', '\udc00']) {
      const res = await t.request('POST', '/v1/products', {
        headers: { authorization: `Bearer ${token}` },
        body: { sku: 'NUL-1', name, priceCents: 1, currency: 'EUR' },
      });
      assert.equal(res.status, 400, JSON.stringify(name));
      assert.equal(res.body.errors[0].field, 'name');
    }
  });

  it('a body nested thousands of levels deep is a 400, never a 500', async () => {
    const token = await t.token({ scope: 'products:write' });
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const res = await t.request('POST', '/v1/products', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      rawBody: `{"sku":"DEEP-1","name":"x","priceCents":1,"currency":"EUR","x":${deep}}`,
    });
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /nested more than 32 levels/);
  });

  it('a form-encoded write is a 415', async () => {
    const token = await t.token({ scope: 'products:write' });
    const res = await t.request('POST', '/v1/products', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: 'sku=FORM-1&name=x&priceCents=1&currency=EUR',
    });
    assert.equal(res.status, 415);
    assert.equal(res.body.detail, 'Send the body as application/json.');
  });

  it('a compressed write is a 415 naming the encoding; invalid UTF-8 is a 400; neither writes anything', async () => {
    const token = await t.token({ scope: 'products:write' });
    const sku = `ENC-${Date.now()}`;
    const json = JSON.stringify({ sku, name: 'x', priceCents: 1, currency: 'EUR' });
    const gzip = await t.request('POST', '/v1/products', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      rawBody: gzipSync(json),
    });
    assert.equal(gzip.status, 415);
    assert.equal(gzip.headers.get('accept-encoding'), 'identity');
    assert.match(gzip.body.detail, /Content-Encoding/);

    const invalid = Buffer.concat([Buffer.from(`{"sku":"${sku}","name":"bad `), Buffer.from([0xc3, 0x28]), Buffer.from('","priceCents":1,"currency":"EUR"}')]);
    const res = await t.request('POST', '/v1/products', { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, rawBody: invalid });
    assert.equal(res.status, 400);
    assert.equal(res.body.detail, 'The body is not valid UTF-8.');
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM products WHERE sku = $1', [sku]);
    assert.equal(n, 0);

    const identity = await t.request('POST', '/v1/products', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'identity' },
      rawBody: json.replace('"x"', '"Grüße 日本"'),
    });
    assert.equal(identity.status, 201);
    assert.equal(identity.body.name, 'Grüße 日本');
  });

  it('a __proto__ key is refused by name, not as invalid JSON', async () => {
    const token = await t.token({ scope: 'products:write' });
    for (const rawBody of ['{"sku":"P","name":"x","priceCents":1,"currency":"EUR","__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']) {
      const res = await t.request('POST', '/v1/products', { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, rawBody });
      assert.equal(res.status, 400);
      assert.match(res.body.detail, /__proto__/);
    }
    const broken = await t.request('POST', '/v1/products', { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, rawBody: '{"sku":' });
    assert.deepEqual([broken.status, broken.body.detail], [400, 'The body is not valid JSON.']);
  });

  it('a body that is not an object, or with many unknown fields, gets a short 400; a DELETE takes no body', async () => {
    const token = await t.token({ scope: 'products:write' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    for (const rawBody of [`[${'1,'.repeat(30_000)}1]`, '"text"', '42', 'null']) {
      const res = await t.request('POST', '/v1/products', { headers, rawBody });
      assert.equal(res.status, 400, rawBody.slice(0, 10));
      assert.equal(res.body.detail, 'The body must be a JSON object.');
    }
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, 1]));
    const res = await t.request('POST', '/v1/products', { headers, rawBody: JSON.stringify(many) });
    assert.equal(res.status, 400);
    assert.ok(res.text.length < 4000, `an answer of ${res.text.length} bytes`);
    assert.match(res.body.detail, /and \d+ more\.$/);

    const { body: product } = await t.request('POST', '/v1/products', { headers, body: { sku: `DEL-${Date.now()}`, name: 'x', priceCents: 1, currency: 'EUR' } });
    const withBody = await t.request('DELETE', `/v1/products/${product.id}`, { headers, rawBody: '{"force":true}' });
    assert.deepEqual([withBody.status, withBody.body.detail], [400, 'A DELETE takes no body.']);
    assert.equal((await t.request('DELETE', `/v1/products/${product.id}`, { headers: { authorization: `Bearer ${token}` } })).status, 204);
  });

  it('lengths are counted in characters, as the OpenAPI document states them', async () => {
    const token = await t.token({ scope: 'products:write' });
    const create = (name: string) =>
      t.request('POST', '/v1/products', { headers: { authorization: `Bearer ${token}` }, body: { sku: `LEN-${Date.now()}-${name.length}`, name, priceCents: 1, currency: 'EUR' } });
    assert.equal((await create('😀'.repeat(200))).status, 201, '200 characters, 400 UTF-16 units');
    assert.equal((await create('😀'.repeat(201))).status, 400);
    assert.equal((await create('\u200b\u200b')).status, 400, 'invisible is blank');
  });

  it('a body in another charset is a 415, whatever the bytes', async () => {
    const token = await t.token({ scope: 'products:write' });
    for (const charset of ['utf-16', 'iso-8859-1', '"latin1"']) {
      const sku = `CS-${Date.now()}-${charset.length}`;
      const res = await t.request('POST', '/v1/products', {
        headers: { authorization: `Bearer ${token}`, 'content-type': `application/json; charset=${charset}` },
        rawBody: JSON.stringify({ sku, name: 'x', priceCents: 1, currency: 'EUR' }),
      });
      assert.equal(res.status, 415, charset);
      const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM products WHERE sku = $1', [sku]);
      assert.equal(n, 0);
    }
  });

  it('a credential or Idempotency-Key header sent twice is a 400: no copy is silently preferred', async () => {
    const alice = await t.token({ sub: 'alice', scope: 'products:write' });
    const bob = await t.token({ sub: 'bob', scope: 'products:write' });
    const { key } = await t.createApiKey();
    const send = (headers: [string, string][], method = 'POST', path = '/v1/products') =>
      fetch(t.baseUrl + path, {
        method,
        headers: new Headers([...headers, ['content-type', 'application/json']]),
        body: method === 'GET' ? undefined : JSON.stringify({ sku: `TWICE-${Date.now()}`, name: 'x', priceCents: 1, currency: 'EUR' }),
      });
    // fetch joins repeated headers into one; only a raw request sends two lines.
    const raw = async (lines: string[]) => {
      const res = await rawExchange(t.baseUrl, `GET /v1/products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${lines.join('\r\n')}\r\n\r\n`);
      return Number(res.split(' ')[1]);
    };
    assert.equal(await raw([`X-API-Key: ${key}`, `Authorization: Bearer ${bob}`, `Authorization: Bearer ${alice}`]), 400);
    assert.equal(await raw([`X-API-Key: ${key}`, `X-API-Key: ${key}`]), 400);
    assert.equal(await raw([`X-API-Key: ${key}`, 'Idempotency-Key: a', 'Idempotency-Key: b']), 400);
    assert.equal(await raw([`X-API-Key: ${key}`, `Authorization: Bearer ${alice}`]), 200, 'the control');
    assert.equal((await send([['authorization', `Bearer ${alice}`]])).status, 201, 'the control');
  });
});

describe('http: the OpenAPI document types and answers', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('declares the contract integers as integers and a 400 wherever ids or queries are validated', async () => {
    const doc = (await t.request('GET', '/docs-json')).body;
    const product = doc.components.schemas.ProductResponse.properties;
    for (const field of ['priceCents', 'stockOnHand', 'version']) assert.equal(product[field].type, 'integer', field);
    assert.equal(doc.components.schemas.CreateProductRequest.properties.priceCents.type, 'integer');
    for (const [path, method] of [
      ['/v1/audit-events', 'get'],
      ['/v1/api-keys', 'get'],
      ['/v1/api-keys/{id}', 'get'],
      ['/v1/api-keys/{id}', 'delete'],
      ['/v1/products/{id}', 'get'],
    ]) {
      assert.ok(doc.paths[path][method].responses['400'], `${method} ${path}`);
    }
  });

  it('documents what every read and write answers: validators and 304 on reads, rate limits, Location, UUID ids', async () => {
    const doc = (await t.request('GET', '/docs-json')).body;
    for (const path of ['/v1/products', '/v1/products/{id}', '/v1/products/{id}/stock-movements', '/v1/audit-events', '/v1/api-keys', '/v1/api-keys/{id}']) {
      const get = doc.paths[path].get;
      assert.ok(get.responses['304'], `${path} 304`);
      assert.ok(get.responses['200'].headers.ETag, `${path} ETag`);
      assert.ok(get.responses['200'].headers.RateLimit, `${path} RateLimit`);
      assert.ok(get.parameters.some((p: { name: string }) => p.name === 'If-None-Match'), `${path} If-None-Match`);
      for (const p of get.parameters.filter((p: { in: string }) => p.in === 'path')) assert.equal(p.schema.format, 'uuid', `${path} ${p.name}`);
    }
    assert.ok(doc.paths['/v1/api-keys'].post.responses['201'].headers.Location);
    assert.ok(doc.paths['/v1/api-keys/{id}/rotate'].post.responses['201'].headers.Location);
    assert.equal(doc.paths['/v1/api-keys/{id}/rotate'].post.requestBody.required, false, 'a rotation needs no body');
    assert.ok(doc.paths['/v1/products/{id}'].patch.parameters.some((p: { name: string }) => p.name === 'If-None-Match'));
    assert.equal(doc.paths['/health/live'].get.responses['304'], undefined, 'health is not conditional');
  });
});

