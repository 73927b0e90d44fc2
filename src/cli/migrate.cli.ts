import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { dataSourceOptions } from '../database/data-source-options.js';
import { openDatabaseServer } from '../database/database-server.js';
import { runMigrations } from '../database/run-migrations.js';

/** The app migrates on start-up too; this is for deployments that migrate as a separate step. */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await openDatabaseServer(config);
  const dataSource = await new DataSource(dataSourceOptions(config, server.url)).initialize();
  try {
    const applied = await runMigrations(dataSource);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to migrate.');
  } finally {
    await dataSource.destroy();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
