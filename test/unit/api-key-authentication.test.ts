import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { ApiKeyUsage } from '../../src/auth/api-keys/api-key-usage.js';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service.js';
import type { ApiKeyEntity } from '../../src/auth/api-keys/api-key.entity.js';
import { loadConfig } from '../../src/config/app-config.js';

// Refusals are logged by design.
Logger.overrideLogger(false);

/** An in-memory stand-in for the api_keys table that counts lookups. */
function fakeTable(config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' })) {
  const rows = new Map<string, ApiKeyEntity>();
  let lookups = 0;
  let gate: Promise<void> | null = null;
  const ds = {
    createQueryRunner: () => ({
      manager: {
        findOne: async (_: unknown, { where }: { where: { keyId: string } }) => {
          lookups++;
          const row = rows.get(where.keyId);
          const copy = row ? { ...row } : null;
          await gate;
          return copy;
        },
      },
      release: async () => undefined,
    }),
    query: async () => [],
  } as unknown as DataSource;
  const service = new ApiKeysService(ds, config, new ApiKeyUsage(ds, config));
  const add = () => {
    const { row, plaintext } = service.issue({ name: 'k' }, 'test', new Date());
    rows.set(row.keyId, row);
    return { row, plaintext };
  };
  const hold = () => {
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    return () => {
      gate = null;
      open();
    };
  };
  return { service, add, rows, lookups: () => lookups, hold };
}

describe('api key authentication', () => {
  it('a made-up or mistyped key is refused without a lookup', async () => {
    const { service, add, lookups } = fakeTable();
    const { plaintext } = add();
    const typo = plaintext.slice(0, 20) + (plaintext[20] === 'a' ? 'b' : 'a') + plaintext.slice(21);
    for (const candidate of ['', 'garbage', typo, plaintext + 'x', plaintext.slice(0, -1)]) {
      assert.equal(await service.authenticate(candidate), null);
    }
    assert.equal(lookups(), 0);
    assert.ok(await service.authenticate(plaintext));
    assert.equal(lookups(), 1);
  });

  it('caches a key for API_KEY_CACHE_TTL_MS, still checks its secret, and forgets it on demand', async () => {
    const { service, add, rows, lookups } = fakeTable();
    const { row, plaintext } = add();
    assert.equal((await service.authenticate(plaintext))?.id, row.id);
    assert.equal((await service.authenticate(plaintext))?.id, row.id);
    assert.equal(lookups(), 1, 'the second request is served from the cache');
    rows.get(row.keyId)!.revokedAt = new Date();
    service.forget(row.keyId);
    assert.equal(await service.authenticate(plaintext), null, 'forgotten: the revocation is seen at once');
    assert.equal(lookups(), 2);
  });

  it('a lookup that raced a revocation does not cache what it read', async () => {
    const { service, add, rows, lookups, hold } = fakeTable();
    const { row, plaintext } = add();
    const release = hold();
    const inFlight = service.authenticate(plaintext); // reads the row before the revocation commits
    rows.get(row.keyId)!.revokedAt = new Date();
    service.forget(row.keyId);
    release();
    assert.ok(await inFlight, 'the request that started before the revocation may pass');
    assert.equal(await service.authenticate(plaintext), null, 'the next one may not');
    assert.equal(lookups(), 2);
  });

  it('with API_KEY_CACHE_TTL_MS=0 every request looks the key up', async () => {
    const { service, add, lookups } = fakeTable(loadConfig({ NODE_ENV: 'test', API_KEY_CACHE_TTL_MS: '0' }));
    const { plaintext } = add();
    await service.authenticate(plaintext);
    await service.authenticate(plaintext);
    assert.equal(lookups(), 2);
  });

  it('the cache bound is a few seconds at most', () => {
    assert.throws(() => loadConfig({ API_KEY_CACHE_TTL_MS: '5001' }), /API_KEY_CACHE_TTL_MS/);
    assert.equal(loadConfig({}).apiKeys.cacheTtlMs, 1000);
    assert.equal(loadConfig({}).apiKeys.rotationGraceSeconds, 86_400);
  });
});
