import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createClient, type RedisClientType } from '@keyv/redis';
import { afterEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyvCacheableMemory } from '@cacheable/memory';
import { Query, type QueryBus } from '@nestjs/cqrs';
import { createCacheBackend } from '../../src/caching/cache-backend.js';
import { Cacheable } from '../../src/caching/cacheable.decorator.js';
import { LocalGenerations, RedisGenerations } from '../../src/caching/generations.js';
import { QueryCache, type View } from '../../src/caching/query-cache.js';
import { loadConfig, type Env } from '../../src/config/app-config.js';
import { Representation } from '../../src/http/representation.js';

interface Thing {
  id: string;
  name: string;
}

@Cacheable<GetThingQuery>({ dependsOn: (q) => [['thing', q.id]] })
class GetThingQuery extends Query<Thing> {
  constructor(readonly id: string) {
    super();
  }
}

@Cacheable<ListThingsQuery>({ dependsOn: () => [['thing', null]] })
class ListThingsQuery extends Query<Thing[]> {
  constructor(
    readonly limit: number,
    readonly filter?: { q?: string; since?: Date },
  ) {
    super();
  }
}

/** Same fields as GetThingQuery, another class: must never share its answers. */
@Cacheable<GetOtherQuery>({ dependsOn: (q) => [['thing', q.id]] })
class GetOtherQuery extends Query<Thing> {
  constructor(readonly id: string) {
    super();
  }
}

@Cacheable<GetBriefThingQuery>({ dependsOn: (q) => [['thing', q.id]], ttlSeconds: 1 })
class GetBriefThingQuery extends Query<Thing> {
  constructor(readonly id: string) {
    super();
  }
}

class UncachedQuery extends Query<Thing> {
  constructor(readonly id: string) {
    super();
  }
}

const view = <Q extends Query<any>>(name = 'v1'): View<Q, unknown> => ({ name, render: (result) => Representation.of(result) });

/** A read model in a Map, counting the queries that reach it. */
function fakeReadSide() {
  const things = new Map<string, string>();
  const calls: unknown[] = [];
  let gate: Promise<void> | undefined;
  const read = (query: object) => {
    if (query instanceof ListThingsQuery) {
      return [...things].slice(0, query.limit).map(([id, name]) => ({ id, name, q: query.filter?.q ?? null }));
    }
    const { id } = query as GetThingQuery;
    return { id, name: things.get(id) ?? null, kind: query.constructor.name };
  };
  const bus = {
    async execute(query: object) {
      calls.push(query);
      // Reads now, answers when the gate opens: a slow query that saw the data as it was when it ran.
      const answer = read(query);
      if (gate) await gate;
      return answer;
    },
  } as unknown as QueryBus;
  return {
    bus,
    things,
    calls,
    /** Holds every query until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

async function cacheWith(env: Partial<Env> = {}) {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const side = fakeReadSide();
  const errors: unknown[] = [];
  const backend = await createCacheBackend(config, (e) => errors.push(e));
  const cache = new QueryCache(side.bus, backend, config.cache.queryTtlSeconds, (e) => errors.push(e));
  return { cache, side, errors, backend };
}

const body = (r: Representation) => JSON.parse(r.body);

describe('query cache', () => {
  afterEach(() => mock.timers.reset());

  it('answers the same query from the cache, serialised once, with a strong ETag', async () => {
    const { cache, side } = await cacheWith();
    side.things.set('a', 'Anvil');
    const first = await cache.execute(new GetThingQuery('a'), view());
    const second = await cache.execute(new GetThingQuery('a'), view());
    assert.equal(side.calls.length, 1);
    assert.equal(second, first, 'the stored representation itself, not a copy');
    assert.deepEqual(body(first), { id: 'a', name: 'Anvil', kind: 'GetThingQuery' });
    assert.match(first.etag, /^"[A-Za-z0-9_-]{32}"$/);
  });

  it('keys by every field of the query, its class and the view', async () => {
    const { cache, side } = await cacheWith();
    side.things.set('a', 'Anvil').set('b', 'Bell');
    assert.equal(body(await cache.execute(new GetThingQuery('a'), view())).name, 'Anvil');
    assert.equal(body(await cache.execute(new GetThingQuery('b'), view())).name, 'Bell');
    assert.equal(body(await cache.execute(new GetOtherQuery('a'), view())).kind, 'GetOtherQuery');
    assert.equal(body(await cache.execute(new GetThingQuery('a'), view('v2'))).kind, 'GetThingQuery');
    assert.equal(side.calls.length, 4);

    // Nested fields count, in any key order; dates by their instant.
    const since = new Date('2026-01-01T00:00:00Z');
    await cache.execute(new ListThingsQuery(10, { q: 'x', since }), view());
    await cache.execute(new ListThingsQuery(10, { since: new Date(since), q: 'x' }), view());
    assert.equal(side.calls.length, 5);
    for (const other of [
      new ListThingsQuery(11, { q: 'x', since }),
      new ListThingsQuery(10, { q: 'y', since }),
      new ListThingsQuery(10, { q: 'x', since: new Date(since.getTime() + 1) }),
      new ListThingsQuery(10, { q: 'x' }),
      new ListThingsQuery(10),
    ]) {
      await cache.execute(other, view());
    }
    assert.equal(side.calls.length, 10);
  });

  it('an invalidation makes the old answer unreachable: one resource, and the lists that show it', async () => {
    const { cache, side } = await cacheWith();
    side.things.set('a', 'Anvil').set('b', 'Bell');
    await cache.execute(new GetThingQuery('a'), view());
    await cache.execute(new GetThingQuery('b'), view());
    await cache.execute(new ListThingsQuery(10), view());
    side.things.set('a', 'Axe');
    cache.invalidate('thing', 'a');
    assert.equal(body(await cache.execute(new GetThingQuery('a'), view())).name, 'Axe');
    assert.equal(body(await cache.execute(new ListThingsQuery(10), view()))[0].name, 'Axe');
    const calls = side.calls.length;
    await cache.execute(new GetThingQuery('b'), view());
    assert.equal(side.calls.length, calls, 'another resource keeps its answer');

    // The collection alone (e.g. a create): lists change, single resources keep their answers.
    side.things.set('c', 'Chain');
    cache.invalidate('thing', null);
    assert.equal(body(await cache.execute(new ListThingsQuery(10), view())).length, 3);
    await cache.execute(new GetThingQuery('b'), view());
    assert.equal(side.calls.length, calls + 1);
  });

  it('an answer read before a change and stored after it is never served after the change', async () => {
    const { cache, side } = await cacheWith();
    side.things.set('a', 'old');
    const release = side.hold();
    const inFlight = cache.execute(new GetThingQuery('a'), view());
    await new Promise((r) => setImmediate(r));
    assert.equal(side.calls.length, 1, 'the query has started');
    // The write commits and invalidates while the old answer is still on its way into the cache.
    side.things.set('a', 'new');
    cache.invalidate('thing', 'a');
    release();
    await inFlight;
    assert.equal(body(await cache.execute(new GetThingQuery('a'), view())).name, 'new');
  });

  it('concurrent misses on one key run the query once', async () => {
    const { cache, side } = await cacheWith();
    side.things.set('a', 'Anvil');
    const answers = await Promise.all(Array.from({ length: 5 }, () => cache.execute(new GetThingQuery('a'), view())));
    assert.equal(side.calls.length, 1);
    assert.ok(answers.every((a) => a.body === answers[0].body));
  });

  it('QUERY_CACHE_TTL_SECONDS is in seconds', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const { cache, side } = await cacheWith({ QUERY_CACHE_TTL_SECONDS: '2' });
    side.things.set('a', 'Anvil');
    await cache.execute(new GetThingQuery('a'), view());
    mock.timers.tick(1999);
    await cache.execute(new GetThingQuery('a'), view());
    assert.equal(side.calls.length, 1, 'still cached 1.999 s later');
    mock.timers.tick(2);
    await cache.execute(new GetThingQuery('a'), view());
    assert.equal(side.calls.length, 2, 'expired 2.001 s later');

    // A query's own ttlSeconds wins over the default.
    await cache.execute(new GetBriefThingQuery('a'), view());
    mock.timers.tick(999);
    await cache.execute(new GetBriefThingQuery('a'), view());
    assert.equal(side.calls.length, 3);
    mock.timers.tick(2);
    await cache.execute(new GetBriefThingQuery('a'), view());
    assert.equal(side.calls.length, 4);
  });

  it('keeps at most QUERY_CACHE_MAX_ENTRIES answers, dropping the least recently used', async () => {
    const { cache, side, backend } = await cacheWith({ QUERY_CACHE_MAX_ENTRIES: '2' });
    for (const id of ['a', 'b', 'a', 'c']) await cache.execute(new GetThingQuery(id), view());
    assert.equal(side.calls.length, 3);
    const entries = (backend.store.stores[0].store as KeyvCacheableMemory).store;
    assert.equal(entries.size, 2);
    await cache.execute(new GetThingQuery('a'), view());
    assert.equal(side.calls.length, 3, 'a was used recently');
    await cache.execute(new GetThingQuery('b'), view());
    assert.equal(side.calls.length, 4, 'b was dropped');
  });

  it('queries that are not @Cacheable, and a TTL of 0, go to the read side every time', async () => {
    const { cache, side } = await cacheWith();
    await cache.execute(new UncachedQuery('a'), view());
    await cache.execute(new UncachedQuery('a'), view());
    assert.equal(side.calls.length, 2);
    const off = await cacheWith({ QUERY_CACHE_TTL_SECONDS: '0' });
    await off.cache.execute(new GetThingQuery('a'), view());
    await off.cache.execute(new GetThingQuery('a'), view());
    assert.equal(off.side.calls.length, 2);
  });

  it('a view that throws (a 404) caches nothing', async () => {
    const { cache, side } = await cacheWith();
    const notFound: View<GetThingQuery, unknown> = {
      name: 'strict',
      render: (thing) => {
        if (!thing.name) throw new Error('not found');
        return Representation.of(thing);
      },
    };
    await assert.rejects(cache.execute(new GetThingQuery('z'), notFound), /not found/);
    side.things.set('z', 'Zither');
    assert.equal(body(await cache.execute(new GetThingQuery('z'), notFound)).name, 'Zither');
  });

  it('refuses two cacheable query classes of one name', () => {
    assert.throws(() => {
      @Cacheable<GetThingQuery>({ dependsOn: (q) => [['thing', q.id]] })
      class GetThingQuery extends Query<Thing> {
        constructor(readonly id: string) {
          super();
        }
      }
      return GetThingQuery;
    }, /Two cacheable queries are named GetThingQuery/);
  });
});

describe('local generations', () => {
  it('never issue a value twice, even after eviction', () => {
    const generations = new LocalGenerations(2);
    const ofA: string[] = [];
    for (let i = 0; i < 5; i++) {
      ofA.push(generations.current([['thing', 'a']]));
      generations.bump('thing', 'a');
      ofA.push(generations.current([['thing', 'a']]));
      // Two other resources push a out of the bound of two.
      generations.current([['thing', `x${i}`]]);
      generations.current([['thing', `y${i}`]]);
    }
    assert.equal(new Set(ofA).size, ofA.length, ofA.join(' '));
  });

  it('a change to one resource changes its collection, not the other resources', () => {
    const generations = new LocalGenerations(100);
    const before = ['a', 'b', null].map((id) => generations.current([['thing', id]]));
    generations.bump('thing', 'a');
    const after = ['a', 'b', null].map((id) => generations.current([['thing', id]]));
    assert.notEqual(after[0], before[0]);
    assert.equal(after[1], before[1]);
    assert.notEqual(after[2], before[2]);
  });
});

describe('redis generations (real Redis)', () => {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/5';

  it('a change Redis missed keeps this instance off the cache, and reaches Redis once it is back', async () => {
    const prefix = `test:${randomUUID()}:`;
    const client = createClient({ url, disableOfflineQueue: true }) as RedisClientType;
    const other = createClient({ url }) as RedisClientType;
    client.on('error', () => {});
    await Promise.all([client.connect(), other.connect()]);
    const errors: unknown[] = [];
    const here = new RedisGenerations(client, prefix, (e) => errors.push(e));
    const there = new RedisGenerations(other, prefix, () => {});
    try {
      const before = await here.current([['thing', 'a']]);
      assert.equal(await there.current([['thing', 'a']]), before);

      client.destroy(); // Redis unreachable for this instance
      here.bump('thing', 'a');
      await new Promise((r) => setImmediate(r));
      assert.ok(errors.length > 0, 'the failed bump is reported');
      await assert.rejects(here.current([['thing', 'a']]), 'no generation while the change is unsent: the read skips the cache');
      assert.equal(await there.current([['thing', 'a']]), before, 'the other instance has not heard of it yet');

      const ready = new Promise((r) => client.once('ready', r));
      await client.connect();
      await ready;
      await new Promise((r) => setTimeout(r, 50));
      const after = await there.current([['thing', 'a']]);
      assert.notEqual(after, before, 'resent once Redis is back: the other instance sees the change');
      assert.equal(await here.current([['thing', 'a']]), after);
    } finally {
      if (client.isOpen) client.destroy();
      other.destroy();
    }
  });
});
