import { createKeyv as createMemoryKeyv } from '@cacheable/memory';
import { createKeyv as createRedisKeyv } from '@keyv/redis';
import type { LoggerService } from '@nestjs/common';
import { createCache, type Cache } from 'cache-manager';
import type { AppConfig } from '../config/app-config.js';
import { closeRedis, connectRedis } from '../redis/redis-connection.js';
import { LocalGenerations, RedisGenerations, type Generations } from './generations.js';

export interface CacheBackend {
  /** Answers: a bounded in-process LRU, then Redis when configured. Keys carry generations, so each tier is safe. */
  readonly store: Cache;
  readonly generations: Generations;
  close(): Promise<void>;
}

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
  // Reads skip the cache while Redis is unreachable.
  const client = await connectRedis(config.redisUrl, onError);
  const namespace = `${config.redisKeyPrefix}query-cache`;
  const shared = createRedisKeyv(client, { namespace });
  shared.on('error', onError);
  return {
    store: createCache({ stores: [local, shared] }),
    generations: new RedisGenerations(client, `${namespace}:generation:`, onError),
    close: () => closeRedis(client),
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
