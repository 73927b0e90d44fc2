import { Global, Logger, Module } from '@nestjs/common';
import { CqrsModule, QueryBus } from '@nestjs/cqrs';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { createCacheBackend, reportAtMostEvery } from './cache-backend.js';
import { QueryCache } from './query-cache.js';
import { ResponseCache } from './response-cache.js';
import { InvalidateOnReadModelChanged } from './read-model-changed.handler.js';

/** The server-side query cache, the response cache in front of it, and their invalidation by ReadModelChangedEvent. */
@Global()
@Module({
  imports: [CqrsModule],
  providers: [
    {
      provide: QueryCache,
      inject: [QueryBus, APP_CONFIG],
      useFactory: async (queries: QueryBus, config: AppConfig) => {
        const report = reportAtMostEvery(10_000, new Logger(QueryCache.name));
        const backend = await createCacheBackend(config, report);
        return new QueryCache(queries, backend, config.cache.queryTtlSeconds, report);
      },
    },
    ResponseCache,
    InvalidateOnReadModelChanged,
  ],
  exports: [QueryCache, ResponseCache],
})
export class CachingModule {}
