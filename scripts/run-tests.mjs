// Runs the compiled tests with node's test runner. Without DATABASE_URL it starts one embedded PostgreSQL for the
// whole run (its own data dir and port, so a dev server can keep running), and stops it at the end.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = 'dist/test';
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(test|e2e)\.js$/.test(name)) files.push(path);
  }
})(root);
const only = process.argv.slice(2);
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;

let database;
if (!process.env.DATABASE_URL) {
  const { startEmbeddedPostgres } = await import('../dist/src/database/embedded-postgres.js');
  database = await startEmbeddedPostgres({
    dataDir: '.data/test-postgres',
    port: Number(process.env.EMBEDDED_PG_TEST_PORT ?? 54330),
    database: 'test',
  });
  process.env.DATABASE_URL = database.url;
}

const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...selected], { stdio: 'inherit', env: process.env });
  child.on('exit', (c) => resolve(c ?? 1));
});
await database?.stop();
process.exit(code);
