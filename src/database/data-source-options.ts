import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';
import { QueryLogger } from './query-logger.js';

/** One definition of the data source for the app, the CLIs and the tests. `url` is the resolved server (maybe embedded). */
export function dataSourceOptions(config: AppConfig, url: string): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    migrationsRun: false,
    // Decides itself what to log (TypeORM's `logging` option does not apply to a logger instance).
    logger: new QueryLogger(),
    extra: { max: config.database.poolSize, application_name: 'cqrs-reference' },
  };
  if (config.database.readUrls.length === 0) return { ...common, url };
  // Queries outside a transaction go to a replica; commands always run in a transaction on the primary.
  return {
    ...common,
    replication: { master: { url }, slaves: config.database.readUrls.map((u) => ({ url: u })) },
  };
}
