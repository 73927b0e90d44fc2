import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawExchange } from '../support/raw-http.js';
import { encodeCursor } from '../../src/http/cursor.js';
import { productsApi } from '../support/products.js';
import { apiKey, bearer, startTestApp, unique, type TestApp } from '../support/test-app.js';

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';
const allowOf = (headers: Headers) => (headers.get('allow') ?? '').split(',').map((m) => m.trim()).sort();

describe('http edges: 405 and OPTIONS', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('an unsupported method on an existing path is a 405 problem with Allow, without credentials', async () => {
    const res = await t.request('PUT', '/v1/products');
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('content-type'), PROBLEM_JSON);
    assert.deepEqual(allowOf(res.headers), ['GET', 'HEAD', 'OPTIONS', 'POST']);
    assert.equal(res.body.status, 405);
    assert.equal(res.body.requestId, res.headers.get('x-request-id'));
    assert.equal(res.headers.get('cache-control'), 'no-store');

    const item = await t.request('POST', '/v1/products/0b9a3f4e-6f55-4c67-9d43-5f0d7f2b8c11');
    assert.equal(item.status, 405);
    assert.deepEqual(allowOf(item.headers), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH']);

    const live = await t.request('DELETE', '/health/live');
    assert.equal(live.status, 405);
    assert.deepEqual(allowOf(live.headers), ['GET', 'HEAD', 'OPTIONS']);
  });

  it('OPTIONS on an existing path is 204 with Allow and no body, no credentials needed', async () => {
    const res = await t.request('OPTIONS', '/v1/products/0b9a3f4e-6f55-4c67-9d43-5f0d7f2b8c11/stock-adjustments');
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.deepEqual(allowOf(res.headers), ['OPTIONS', 'POST']);
    assert.ok(res.headers.get('x-request-id'));
    const list = await t.request('OPTIONS', '/v1/api-keys?limit=5');
    assert.equal(list.status, 204);
    assert.deepEqual(allowOf(list.headers), ['GET', 'HEAD', 'OPTIONS', 'POST']);
  });

  it('unknown paths stay 404, whatever the method', async () => {
    for (const method of ['GET', 'PUT', 'OPTIONS']) {
      const res = await t.request(method, '/v1/nowhere');
      assert.equal(res.status, 404, method);
      assert.equal(res.headers.get('content-type'), PROBLEM_JSON);
      assert.equal(res.headers.get('allow'), null);
    }
  });
});

function parseRaw(raw: string): { status: number; headers: Map<string, string>; body: any } {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(rest.join('\r\n\r\n')) };
}

describe("http edges: requests Node's parser refuses", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  const assertProblem = (res: ReturnType<typeof parseRaw>, status: number) => {
    assert.equal(res.status, status);
    assert.equal(res.headers.get('content-type'), PROBLEM_JSON);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('connection'), 'close');
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(res.body.status, status);
    assert.equal(res.body.requestId, res.headers.get('x-request-id'));
    assert.equal(res.body.title.length > 0, true);
  };

  it('a 20 KB header is a 431 problem with a request id', async () => {
    const raw = await rawExchange(t.baseUrl, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assertProblem(parseRaw(raw), 431);
  });

  it('a control character in a header is a 400 problem with a fresh request id', async () => {
    const raw = await rawExchange(t.baseUrl, 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\x01def\r\n\r\n');
    const res = parseRaw(raw);
    assertProblem(res, 400);
    assert.notEqual(res.headers.get('x-request-id'), 'abc\x01def');
  });

  it('a request line that is not HTTP is a 400 problem', async () => {
    assertProblem(parseRaw(await rawExchange(t.baseUrl, 'HELLO\r\n\r\n')), 400);
  });

  it('OPTIONS * (a URL that is no path) is a 404 problem with a request id', async () => {
    assertProblem(parseRaw(await rawExchange(t.baseUrl, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), 404);
  });
});

/** Every one-character change of a cursor: each position replaced by another character of its alphabet. */
const flips = (cursor: string) =>
  [...cursor].map((c, i) => cursor.slice(0, i) + (c === 'A' ? 'B' : 'A') + cursor.slice(i + 1));

describe('http edges: cursors are bound to their query and tamper-evident', () => {
  let t: TestApp;
  let key: string;
  let writer: string;
  before(async () => {
    t = await startTestApp();
    key = (await t.createApiKey()).key;
    writer = await t.token({ sub: unique('writer'), scope: 'products:write inventory:write' });
  });
  after(() => t.close());

  const invalidCursor = (res: { status: number; body: any }, what: string) => {
    assert.equal(res.status, 400, what);
    assert.deepEqual(res.body.errors, [{ field: 'cursor', messages: ['invalid cursor'] }], what);
  };

  it('a products cursor works for its own search only, and any changed character is refused', async () => {
    const api = productsApi(t, key);
    const [tagA, tagB] = [unique('CA').toUpperCase(), unique('CB').toUpperCase()];
    for (const tag of [tagA, tagA, tagB, tagB]) assert.equal((await api.create(writer, { sku: `${tag}-${unique('x')}` })).status, 201);
    const get = (qs: string) => t.request('GET', `/v1/products?${qs}`, { headers: apiKey(key) });
    const first = await get(`q=${tagA}&limit=1`);
    const cursor: string = first.body.nextCursor;
    assert.ok(cursor);
    const next = await get(`q=${tagA}&limit=1&cursor=${cursor}`);
    assert.equal(next.status, 200);
    assert.equal(next.body.data.length, 1);
    assert.equal((await get(`q=${tagA}&limit=5&cursor=${cursor}`)).status, 200, 'the page size is not part of the query');

    invalidCursor(await get(`q=${tagB}&limit=1&cursor=${cursor}`), 'another search');
    invalidCursor(await get(`limit=1&cursor=${cursor}`), 'no search');
    for (const [i, flipped] of flips(cursor).entries()) {
      invalidCursor(await get(`q=${tagA}&limit=1&cursor=${encodeURIComponent(flipped)}`), `flipped at ${i}`);
    }
    invalidCursor(await get(`q=${tagA}&cursor=${cursor}x`), 'appended');
    invalidCursor(await get(`q=${tagA}&cursor=${cursor.split('.')[0]}`), 'untagged');
  });

  it('a well-tagged cursor holding an instant PostgreSQL cannot store is a 400, not a database error', async () => {
    // The tag is no secret (see cursor.ts): anyone can forge one, so the payload must be checked like any input.
    const id = '0b9a3f4e-6f55-4c67-9d43-5f0d7f2b8c11';
    for (const at of [new Date(-8_640_000_000_000_000), new Date(Date.UTC(-5000, 0, 1)), new Date(Date.UTC(10000, 0, 1))]) {
      const forged = encodeCursor({ at, id }, 'products');
      invalidCursor(await t.request('GET', `/v1/products?cursor=${forged}`, { headers: apiKey(key) }), at.toISOString());
    }
    const fine = encodeCursor({ at: new Date(Date.UTC(1, 0, 1)), id }, 'products');
    assert.equal((await t.request('GET', `/v1/products?cursor=${fine}`, { headers: apiKey(key) })).status, 200);
  });

  it("a product's stock-movements cursor does not page another product's movements", async () => {
    const api = productsApi(t, key);
    const a = (await api.create(writer)).body.id;
    const b = (await api.create(writer)).body.id;
    for (const id of [a, a, b, b]) assert.equal((await api.adjust(id, writer, 1)).status, 201);
    const cursor: string = (await api.movements(a, '?limit=1')).body.nextCursor;
    assert.equal((await api.movements(a, `?limit=1&cursor=${cursor}`)).status, 200);
    invalidCursor(await api.movements(b, `?limit=1&cursor=${cursor}`), 'another product');
    invalidCursor(await t.request('GET', `/v1/products?cursor=${cursor}`, { headers: apiKey(key) }), 'another list');
    invalidCursor(await api.movements(a, `?cursor=${flips(cursor)[3]}`), 'flipped');
  });

  it('audit-events cursors are bound to the filters, api-keys cursors to their list', async () => {
    const reader = await t.token({ scope: 'audit:read api-keys:manage' });
    const headers = { ...apiKey(key), ...bearer(reader) };
    const sub = unique('actor');
    const actor = await t.token({ sub, scope: 'products:write' });
    const api = productsApi(t, key);
    for (let i = 0; i < 2; i++) assert.equal((await api.create(actor)).status, 201);
    const audit = (qs: string) => t.request('GET', `/v1/audit-events?${qs}`, { headers });
    const cursor: string = (await audit(`actor=${sub}&limit=1`)).body.nextCursor;
    assert.ok(cursor);
    assert.equal((await audit(`actor=${sub}&limit=1&cursor=${cursor}`)).status, 200);
    assert.equal((await audit(`limit=1&cursor=${cursor}&actor=${sub}`)).status, 200, 'parameter order does not matter');
    invalidCursor(await audit(`actor=${sub}&action=products.create&cursor=${cursor}`), 'an added filter');
    invalidCursor(await audit(`cursor=${cursor}`), 'a dropped filter');
    invalidCursor(await audit(`actor=${sub}x&cursor=${cursor}`), 'another actor');

    await t.createApiKey();
    await t.createApiKey();
    const keys = await t.request('GET', '/v1/api-keys?limit=1', { headers: bearer(reader) });
    const keysCursor: string = keys.body.nextCursor;
    assert.equal((await t.request('GET', `/v1/api-keys?limit=1&cursor=${keysCursor}`, { headers: bearer(reader) })).status, 200);
    invalidCursor(await audit(`cursor=${keysCursor}`), 'an api-keys cursor on the audit trail');
    invalidCursor(await t.request('GET', `/v1/api-keys?cursor=${cursor}`, { headers: bearer(reader) }), 'an audit cursor on api-keys');
  });
});

/** The contract's endpoints: method, path, security exactly (one requirement object: every scheme in it is needed). */
const CONTRACT: [string, string, Record<string, string[]>[] | undefined][] = [
  ['get', '/v1/products', [{ 'api-key': [] }]],
  ['get', '/v1/products/{id}', [{ 'api-key': [] }]],
  ['get', '/v1/products/{id}/stock-movements', [{ 'api-key': [] }]],
  ['post', '/v1/products', [{ 'user-token': ['products:write'] }]],
  ['patch', '/v1/products/{id}', [{ 'user-token': ['products:write'] }]],
  ['delete', '/v1/products/{id}', [{ 'user-token': ['products:write'] }]],
  ['post', '/v1/products/{id}/stock-adjustments', [{ 'user-token': ['inventory:write'] }]],
  ['get', '/v1/audit-events', [{ 'api-key': [], 'user-token': ['audit:read'] }]],
  ['post', '/v1/api-keys', [{ 'user-token': ['api-keys:manage'] }]],
  ['get', '/v1/api-keys', [{ 'user-token': ['api-keys:manage'] }]],
  ['post', '/v1/api-keys/{id}/rotate', [{ 'user-token': ['api-keys:manage'] }]],
  ['delete', '/v1/api-keys/{id}', [{ 'user-token': ['api-keys:manage'] }]],
  ['get', '/health/live', undefined],
  ['get', '/health/ready', undefined],
];

/** The problem answers each kind of operation must declare. */
function expectedProblems(method: string, security: Record<string, string[]>[] | undefined, hasBody: boolean): string[] {
  if (!security) return [];
  const schemes = Object.keys(security[0]);
  const statuses = ['401', '429'];
  if (schemes.includes('user-token')) statuses.push('403');
  if (method !== 'get') statuses.push('403', '405');
  if (hasBody) statuses.push('400', '413', '415');
  return [...new Set(statuses)].sort();
}

describe('http edges: the OpenAPI document states the contract', () => {
  let t: TestApp;
  let doc: any;
  before(async () => {
    t = await startTestApp();
    doc = (await t.request('GET', '/docs-json')).body;
  });
  after(() => t.close());

  it('every contract endpoint is there with its method, security and scopes exactly', async () => {
    for (const [method, path, security] of CONTRACT) {
      const operation = doc.paths[path]?.[method];
      assert.ok(operation, `${method} ${path} is documented`);
      assert.deepEqual(operation.security, security, `${method} ${path}`);
    }
    assert.equal((await t.request('GET', '/docs')).status, 200);
  });

  it('declares the standard problem answers by kind, with one Problem schema, rate-limit headers and X-Request-Id', () => {
    const problem = doc.components.schemas.Problem;
    assert.deepEqual(Object.keys(problem.properties).sort(), ['detail', 'errors', 'instance', 'requestId', 'status', 'title', 'type']);
    for (const [method, path, security] of CONTRACT) {
      const operation = doc.paths[path][method];
      const what = `${method} ${path}`;
      const declared = Object.keys(operation.responses);
      for (const status of expectedProblems(method, security, ['post', 'patch'].includes(method) && !!operation.requestBody)) {
        assert.ok(declared.includes(status), `${what} declares ${status}`);
      }
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        assert.ok(response.headers?.['X-Request-Id'], `${what} ${status} has X-Request-Id`);
        if (Number(status) >= 400) {
          assert.deepEqual(response.content, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }, `${what} ${status}`);
        }
      }
      if (security) {
        assert.deepEqual(Object.keys(operation.responses['429'].headers).sort(), ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id']);
      }
    }
    assert.ok(doc.paths['/v1/products/{id}'].get.responses['304'], 'reads with an ETag declare 304');
    assert.ok(doc.paths['/v1/products'].post.responses['405'].headers.Allow);
    assert.ok(doc.paths['/v1/products'].post.responses['401'].headers['WWW-Authenticate']);
    assert.deepEqual(Object.keys(doc.paths['/v1/products/{id}/stock-adjustments'].post.responses).filter((s) => s === '413' || s === '415'), ['413', '415']);
  });

  it('OAuth endpoints are URLs even for the dev issuer, which the scheme explains', () => {
    const scheme = doc.components.securitySchemes['user-token'];
    assert.match(t.config.auth.issuer, /^urn:/, 'the tests run with the dev issuer');
    // Writes are for users: the flow that gets a user's token, not a machine's.
    assert.deepEqual(Object.keys(scheme.flows), ['authorizationCode']);
    for (const url of [scheme.flows.authorizationCode.tokenUrl, scheme.flows.authorizationCode.authorizationUrl]) {
      assert.match(url, /^https:\/\/[^/]+\//);
    }
    assert.match(scheme.description, /npm run token/);
  });
});

describe('http edges: OAuth endpoints of a real issuer', () => {
  it('are built from an https issuer', async () => {
    const t = await startTestApp({ AUTH_ISSUER: 'https://id.example.test/realm/' });
    try {
      const scheme = (await t.request('GET', '/docs-json')).body.components.securitySchemes['user-token'];
      assert.equal(scheme.flows.authorizationCode.tokenUrl, 'https://id.example.test/realm/oauth/token');
      assert.equal(scheme.flows.authorizationCode.authorizationUrl, 'https://id.example.test/realm/authorize');
      assert.doesNotMatch(scheme.description, /npm run token/);
    } finally {
      await t.close();
    }
  });
});
