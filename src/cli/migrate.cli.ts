import 'reflect-metadata';
import { withMigratedDataSource } from './cli-context.js';

/** The app migrates on start-up too; this is for deployments that migrate as a separate step. */
withMigratedDataSource(async () => console.log('The database is migrated.')).catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
