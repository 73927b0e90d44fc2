import { createKeyv as createMemoryKeyv } from '@cacheable/memory';
import { createClient, createKeyv as createRedisKeyv, type RedisClientType } from '@keyv/redis';
import type { LoggerService } from '@nestjs/common';
import { setTimeout } from 'node:timers/promises';
import { createCache, type Cache } from 'cache-manager';
import type { AppConfig } from '../config/app-config.js';
import { LocalGenerations, RedisGenerations, type Generations } from './generations.js';

export interface CacheBackend {
  /** Answers: a bounded in-process LRU, then Redis when configured. Keys carry generations, so each tier is safe. */
  readonly store: Cache;
  readonly generations: Generations;
  close(): Promise<void>;
}

const CONNECT_WAIT_MS = 2_000;

/**
 * In-process unless REDIS_URL is set; then answers and generations are shared by every instance on that Redis
 * database, under REDIS_KEY_PREFIX (so deployments sharing one database keep apart). A Redis that is down makes reads skip the cache, never fail:
 * commands are refused at once rather than queued while the client reconnects.
 */
export async function createCacheBackend(config: AppConfig, onError: (error: unknown) => void): Promise<CacheBackend> {
  // No cloning: entries are immutable strings and tags, shared by every reader.
  const local = createMemoryKeyv({ lruSize: config.cache.queryMaxEntries, useClone: false, storeHashSize: 1 });
  if (!config.redisUrl) {
    return {
      store: createCache({ stores: [local] }),
      generations: new LocalGenerations(config.cache.queryMaxEntries),
      close: async () => {},
    };
  }
  const client = createClient({ url: config.redisUrl, disableOfflineQueue: true }) as RedisClientType;
  client.on('error', onError);
  // A Redis that is down does not stop the start: the client keeps reconnecting, and reads skip the cache until then.
  const connected = client.connect().catch(onError);
  await Promise.race([connected, setTimeout(CONNECT_WAIT_MS, undefined, { ref: false })]);
  const namespace = `${config.redisKeyPrefix}query-cache`;
  const shared = createRedisKeyv(client, { namespace });
  shared.on('error', onError);
  return {
    store: createCache({ stores: [local, shared] }),
    generations: new RedisGenerations(client, `${namespace}:generation:`, onError),
    close: async () => {
      if (client.isReady) await client.close();
      else if (client.isOpen) client.destroy();
    },
  };
}

/** A cache that is down is logged at most once per interval, not on every read. */
export function reportAtMostEvery(ms: number, logger: LoggerService): (error: unknown) => void {
  let last = -Infinity;
  return (error) => {
    const now = Date.now();
    if (now - last < ms) return;
    last = now;
    logger.warn({ err: error }, 'Query cache unavailable: reading without it');
  };
}
