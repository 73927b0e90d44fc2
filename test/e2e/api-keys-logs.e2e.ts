import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatApiKey, parseApiKey } from '../../src/auth/api-keys/api-key-format.js';
import { startChildServer, type ChildServer } from '../support/child-server.js';
import { apiKey, bearer, startTestApp, type TestApp } from '../support/test-app.js';

/** The real server in a child process at LOG_LEVEL=debug: every line it logs, from Fastify, Nest or pino, is captured. */
describe('api keys: a key never reaches a log line', () => {
  let t: TestApp;
  let child: ChildServer;
  let base: string;

  before(async () => {
    // The in-process app shares the child's data dir, so its tokens are signed by the key the child trusts.
    const dataDir = mkdtempSync(join(tmpdir(), 'cqrs-logs-'));
    t = await startTestApp({ DATA_DIR: dataDir });
    child = await startChildServer({ DATA_DIR: dataDir, LOG_LEVEL: 'debug' });
    base = child.baseUrl;
  });
  after(async () => {
    await child.stop();
    await t.close();
  });

  async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, requestId: res.headers.get('x-request-id') };
  }

  it('creation, use, misuse, rotation and revocation log reasons and masked ids, never a secret', async () => {
    const token = await t.token({ scope: 'api-keys:manage' });
    const manager = bearer(token);
    const created = await call('POST', '/v1/api-keys', manager, { name: 'logged' });
    assert.equal(created.status, 201);
    const first: string = created.body.key;
    const { keyId, secret } = parseApiKey(first)!;
    const wrongSecret = formatApiKey(keyId, secret.slice(1) + (secret[0] === 'a' ? 'b' : 'a'));

    assert.equal((await call('GET', '/v1/products', apiKey(first))).status, 200);
    assert.equal((await call('GET', `/v1/products?api_key=${first}`)).status, 401);
    assert.equal((await call('GET', `/v1/products?access_token=${token}&password=hunter2-${keyId}`)).status, 401);
    assert.equal((await call('GET', `/v1/products/${token}`, apiKey(first))).status, 414);
    assert.equal((await call('GET', '/v1/products', apiKey(wrongSecret))).status, 401);
    assert.equal((await call('GET', '/v1/products', apiKey(first.slice(0, 40)))).status, 401);
    // Answered by the router before any hook (a bad percent-encoding), and by the 404 handler: neither echoes the key.
    const badUrl = await call('GET', `/v1/products/%E0%A4%A?api_key=${first}`);
    assert.equal(badUrl.status, 400);
    const unknownRoute = await call('GET', `/v1/nothing?api_key=${first}`);
    assert.equal(unknownRoute.status, 404);
    const keyAsField = await call('GET', `/v1/products?${first}=1`, apiKey(first));
    assert.equal(keyAsField.status, 400);
    const keyInPath = await call('GET', `/v1/nothing/${first}`);
    assert.equal(keyInPath.status, 404);
    const keyInBody = await call('POST', '/v1/api-keys', manager, { name: 'x', [first]: 1, [token]: 2 });
    assert.equal(keyInBody.status, 400);
    // A credential pasted as the request id is not kept: it would be echoed, logged and stored in the audit trail.
    const keyAsRequestId = await call('GET', '/v1/products', { ...apiKey(first), 'x-request-id': first });
    assert.equal(keyAsRequestId.status, 200);
    assert.notEqual(keyAsRequestId.requestId, first);
    const tokenInQuery = await call('GET', `/v1/products?q=${token}`, apiKey(first));
    assert.equal(tokenInQuery.status, 400);
    for (const body of [badUrl.body, unknownRoute.body, keyAsField.body, keyInPath.body, keyInBody.body, tokenInQuery.body]) {
      const text = JSON.stringify(body);
      assert.ok(!text.includes(secret) && !text.includes(token), `a response echoes a secret: ${text.slice(0, 200)}`);
    }
    assert.ok(JSON.stringify(keyAsField.body.errors).includes(`cqrsk_${keyId}_…`), 'the field is named by the masked key');
    const rotated = await call('POST', `/v1/api-keys/${created.body.id}/rotate`, manager, { gracePeriodSeconds: 0 });
    assert.equal(rotated.status, 201);
    const second: string = rotated.body.key;
    assert.equal((await call('GET', '/v1/products', apiKey(first))).status, 401);
    assert.equal((await call('GET', '/v1/products', apiKey(second))).status, 200);
    assert.equal((await call('DELETE', `/v1/api-keys/${rotated.body.id}`, manager)).status, 204);
    assert.equal((await call('GET', '/v1/products', apiKey(second))).status, 401);

    await child.stop();
    const output = child.output();

    // The logging was on and saw these requests: otherwise "no secret in the log" would prove nothing.
    assert.match(output, /request completed/);
    for (const reason of ['wrong secret', 'superseded', 'revoked', 'malformed']) {
      assert.ok(output.includes(`"reason":"${reason}"`), `the log says why a key was refused: ${reason}`);
    }
    assert.ok(output.includes(`cqrsk_${keyId}_…`), 'the refused key is named by its masked id');
    assert.ok(output.includes(`api_key=cqrsk_${keyId}_…`), 'a key in a URL is masked in the request log line');
    assert.ok(output.includes('access_token=[redacted]&password=[redacted]'), 'credential-named query values are redacted');

    const secrets = [first, second, wrongSecret, secret, parseApiKey(second)!.secret, parseApiKey(wrongSecret)!.secret, first.slice(0, 40), token, `hunter2-${keyId}`];
    for (const s of secrets) assert.ok(!output.includes(s), `the log contains a secret: ${s.slice(0, 10)}…`);
    const [row] = await t.db.query('SELECT secret_hash FROM api_keys WHERE key_id = $1', [keyId]);
    assert.ok(!output.includes(row.secret_hash), 'the log contains a hash');
  });
});
