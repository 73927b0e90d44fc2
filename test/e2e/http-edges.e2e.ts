import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
