import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { onCleanup } from './processes.js';

export interface BenchDatabase {
  url: string;
  /** Shown in the report: `embedded PostgreSQL <version>` or the configured server, without credentials. */
  description: string;
}

/**
 * DATABASE_URL when set (the bench adds its rows there, under its own skus, and leaves them: audit rows cannot be
 * deleted). Otherwise an embedded PostgreSQL of its own (data dir, port) with a fresh database per run, so that runs
 * compare: the same rows, the same index sizes.
 */
export async function openDatabase(configuredUrl: string | undefined, embeddedPort: number): Promise<BenchDatabase> {
  if (configuredUrl) {
    const u = new URL(configuredUrl);
    return { url: configuredUrl, description: `${await serverVersion(configuredUrl)} at ${u.hostname}:${u.port || 5432}${u.pathname}` };
  }
  const server = await startEmbeddedPostgres({ dataDir: '.data/bench-postgres', port: embeddedPort, database: 'postgres' });
  onCleanup('embedded PostgreSQL', server.stop);
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query('DROP DATABASE IF EXISTS bench WITH (FORCE)');
    await admin.query('CREATE DATABASE bench');
  } finally {
    await admin.end();
  }
  const url = new URL(server.url);
  url.pathname = '/bench';
  return { url: url.toString(), description: `embedded ${await serverVersion(url.toString())} on 127.0.0.1:${embeddedPort}` };
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>(`SELECT 'PostgreSQL ' || current_setting('server_version') AS v`);
    return rows[0]!.v;
  } finally {
    await client.end();
  }
}

/**
 * A second database on the same server, for the SQL baselines: the same tables (migrated by the app's own CLI), none
 * of the app's rows, and above all no app reading it, so that the baseline's outbox rows are never relayed to the
 * app's projectors. Dropped first if a run left one; with DATABASE_URL also dropped at the end (it needs CREATEDB).
 */
export async function openBaselineDatabase(
  database: BenchDatabase,
  dropAtEnd: boolean,
  migrate: (url: string) => Promise<void>,
): Promise<{ url: string } | { unavailable: string }> {
  const url = new URL(database.url);
  const name = `${decodeURIComponent(url.pathname.slice(1))}_sql_baseline`;
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } catch (e) {
    return { unavailable: `cannot create the baseline database ${name}: ${(e as Error).message}` };
  } finally {
    await admin.end();
  }
  if (dropAtEnd) {
    onCleanup('baseline database', async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`).finally(() => client.end());
    });
  }
  url.pathname = `/${encodeURIComponent(name)}`;
  await migrate(url.toString());
  return { url: url.toString() };
}
