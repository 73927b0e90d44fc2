import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueryFailedError } from 'typeorm';
import { logOptions } from '../../src/http/log-options.js';
import { redactUrl } from '../../src/http/redact.js';
import { loadConfig } from '../../src/config/app-config.js';

describe('log options', () => {
  it("a database error is logged without the statement's parameters", () => {
    const driverError = Object.assign(new Error('duplicate key'), {
      code: '23505',
      parameters: ['hash-of-a-secret'],
      detail: 'Key (secret_hash)=(hash-of-a-secret) already exists.',
      severity: 'ERROR',
      routine: '_bt_check_unique',
    });
    const error = new QueryFailedError('INSERT INTO api_keys …', ['hash-of-a-secret', '203.0.113.9'], driverError);
    const logged = JSON.stringify((logOptions(loadConfig({})).serializers!.err as (e: Error) => unknown)(error));
    assert.ok(!logged.includes('hash-of-a-secret'), logged);
    assert.ok(!logged.includes('203.0.113.9'), logged);
    assert.match(logged, /23505/, 'the rest of the error is kept');
    assert.match(logged, /_bt_check_unique/);
    const plain = JSON.stringify((logOptions(loadConfig({})).serializers!.err as (e: Error) => unknown)(Object.assign(new Error('x'), { detail: 'kept' })));
    assert.match(plain, /kept/, 'other errors are serialized as pino does');
    assert.match(logged, /INSERT INTO api_keys/);
  });

  it('redacts credential-named query values and JWT-shaped strings from URLs, and nothing else', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
    assert.equal(redactUrl(`/v1/products?q=mug&access_token=${jwt}&limit=5`), '/v1/products?q=mug&access_token=[redacted]&limit=5');
    assert.equal(redactUrl('/v1/products?password=hunter2&Token=x'), '/v1/products?password=[redacted]&Token=[redacted]');
    assert.equal(redactUrl(`/v1/products/${jwt}`), '/v1/products/[redacted-jwt]');
    assert.equal(redactUrl('/v1/products?q=tokens&limit=5'), '/v1/products?q=tokens&limit=5');
  });
});
