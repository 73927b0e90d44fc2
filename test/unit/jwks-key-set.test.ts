import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { JwksKeySet, type FetchedSigningKey } from '../../src/auth/tokens/jwks-key-set.js';

const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
const key = (kid: string, alg?: string): FetchedSigningKey => {
  const text = pem();
  return { kid, alg, getPublicKey: () => text };
};

function harness(initial: FetchedSigningKey[]) {
  let clock = 1_000_000;
  let published = initial;
  let fetches = 0;
  let failing = false;
  const errors: string[] = [];
  const set = new JwksKeySet({
    fetch: async () => {
      fetches++;
      await new Promise((r) => setImmediate(r));
      if (failing) throw new Error('provider down');
      return published;
    },
    minRefreshMs: 10_000,
    maxAgeMs: 600_000,
    onRefreshError: (e) => errors.push(e.message),
    now: () => clock,
  });
  return {
    set,
    errors,
    fetches: () => fetches,
    tick: (ms: number) => (clock += ms),
    publish: (keys: FetchedSigningKey[]) => (published = keys),
    fail: (value: boolean) => (failing = value),
  };
}

describe('JWKS key set', () => {
  it('fetches once for a known kid and keeps the JWK alg', async () => {
    const h = harness([key('a', 'ES256'), key('b')]);
    assert.equal((await h.set.find('a'))?.alg, 'ES256');
    assert.equal((await h.set.find('b'))?.alg, undefined);
    assert.equal((await h.set.find('a'))?.kid, 'a');
    assert.equal(h.fetches(), 1);
  });

  it('an unknown kid refetches at most once per minRefreshMs, however many ask at once', async () => {
    const h = harness([key('a')]);
    await h.set.find('a');
    assert.equal(await h.set.find('x'), undefined);
    assert.equal(h.fetches(), 1, 'within the minimum interval of the first fetch');
    h.tick(10_001);
    const found = await Promise.all(Array.from({ length: 50 }, (_, i) => h.set.find(`unknown-${i}`)));
    assert.ok(found.every((k) => k === undefined));
    assert.equal(h.fetches(), 2, 'one shared fetch for fifty unknown kids');
    h.tick(5_000);
    await h.set.find('y');
    assert.equal(h.fetches(), 2);
  });

  it('replaces the whole set: a key the provider removed is refused after the next fetch', async () => {
    const h = harness([key('old')]);
    assert.ok(await h.set.find('old'));
    h.publish([key('new')]);
    h.tick(10_001);
    assert.ok(await h.set.find('new'));
    assert.equal(await h.set.find('old'), undefined);
  });

  it('keeps its keys when a fetch fails, and reports the failure', async () => {
    const h = harness([key('a')]);
    await h.set.find('a');
    h.fail(true);
    h.tick(10_001);
    assert.equal(await h.set.find('b'), undefined);
    assert.ok(await h.set.find('a'));
    assert.deepEqual(h.errors, ['provider down']);
  });

  it('refreshes a set older than maxAgeMs in the background, still answering with the known key', async () => {
    const h = harness([key('a')]);
    await h.set.find('a');
    h.tick(600_001);
    h.publish([key('b')]);
    assert.ok(await h.set.find('a'), 'answered from the old set');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(h.fetches(), 2);
    assert.equal(await h.set.find('a'), undefined, 'gone once the new set arrived');
  });
});
