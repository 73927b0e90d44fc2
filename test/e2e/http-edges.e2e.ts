import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTestApp, type TestApp } from '../support/test-app.js';

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

/** Sends raw bytes and reads until the server closes the connection. */
function rawExchange(baseUrl: string, request: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.write(request);
  });
}

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
});
