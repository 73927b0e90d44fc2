import { join } from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export interface DatabaseServer {
  url: string;
  /** Stops the embedded server, if this process started one; a no-op for DATABASE_URL. */
  stop(): Promise<void>;
}

/** DATABASE_URL when set; otherwise an embedded PostgreSQL with its data under the data dir. */
export async function openDatabaseServer(config: AppConfig, log?: (msg: string) => void): Promise<DatabaseServer> {
  if (config.database.url) return { url: config.database.url, stop: async () => undefined };
  return startEmbeddedPostgres({ dataDir: join(config.dataDir, 'postgres'), port: config.database.embeddedPort, log });
}
