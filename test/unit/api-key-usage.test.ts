import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ApiKeyUsage } from '../../src/auth/api-keys/api-key-usage.js';
import { loadConfig } from '../../src/config/app-config.js';

/** A DataSource that records the queries it is given, and fails on demand. */
function fakeDataSource() {
  const calls: { sql: string; params: unknown[] }[] = [];
  let failNext = false;
  const ds = {
    query: async (sql: string, params: unknown[]) => {
      if (failNext) {
        failNext = false;
        throw new Error('connection lost');
      }
      calls.push({ sql, params });
      return [];
    },
  };
  return { ds: ds as unknown as DataSource, calls, failOnce: () => (failNext = true) };
}

// The failure test logs a warning by design.
Logger.overrideLogger(false);
const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
const t0 = new Date('2030-01-01T00:00:00.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

describe('api key usage counters', () => {
  it('many requests on many keys become one UPDATE per flush, with counts and the latest use', async () => {
    const { ds, calls } = fakeDataSource();
    const usage = new ApiKeyUsage(ds, config);
    usage.record('a', later(5));
    usage.record('b', t0);
    usage.record('a', later(1)); // out of order: the latest use still wins
    usage.record('a', later(2));
    assert.equal(calls.length, 0, 'nothing is written per request');
    await usage.flush();
    assert.equal(calls.length, 1);
    assert.match(calls[0].sql, /^UPDATE api_keys/);
    assert.deepEqual(calls[0].params, [['a', 'b'], [3, 1], [later(5), t0]]);
    await usage.flush();
    assert.equal(calls.length, 1, 'nothing new, nothing written');
  });

  it('a failed flush keeps its counts for the next one', async () => {
    const { ds, calls, failOnce } = fakeDataSource();
    const usage = new ApiKeyUsage(ds, config);
    usage.record('a', t0);
    usage.record('a', t0);
    failOnce();
    await usage.flush();
    assert.equal(calls.length, 0);
    usage.record('a', later(9));
    await usage.flush();
    assert.deepEqual(calls[0].params, [['a'], [3], [later(9)]]);
  });

  it('flushes on shutdown', async () => {
    const { ds, calls } = fakeDataSource();
    const usage = new ApiKeyUsage(ds, config);
    usage.onModuleInit();
    usage.record('a', t0);
    await usage.beforeApplicationShutdown();
    assert.deepEqual(calls[0].params, [['a'], [1], [t0]]);
  });
});
