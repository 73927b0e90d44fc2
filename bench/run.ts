/**
 * `npm run bench`: the app in production mode as a child process, its baselines measured in the same run, and a report
 * (printed, and written to bench/reports/<timestamp>.json, compared with the previous one). See README "Benchmarks".
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { openBaselineDatabase, openDatabase } from './database.js';
import { startIdentity, type BenchIdentity } from './identity.js';
import { httpLoad, settle, sqlLoad, type Figures, type HttpLoad } from './load.js';
import { assertPortsFree, cleanUp, cpuSeconds, installSignalHandlers, interrupted, onCleanup, spawnNode, waitUntilReady, watchMemory } from './processes.js';
import { printProfileSummary, summarizeProfile } from './profile-summary.js';
import {
  evaluateTargets,
  previousReport,
  printComparison,
  printReport,
  printSql,
  writeReport,
  type BaselineKey,
  type BenchReport,
  type Measured,
  type ScenarioKey,
  type ScenarioReport,
} from './report.js';
import { readSettings, SCENARIOS, type Settings } from './settings.js';
import { adjustStockBaseline, createProductBaseline, type Baseline } from './sql-baselines.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = fileURLToPath(new URL('../', import.meta.url));
const REPORTS = join(ROOT, 'bench', 'reports');
const WORK = join(ROOT, '.data', 'bench');
const USER = 'bench-user';
/** application_name of the app's connections (src/database/data-source-options.ts) and of the baseline's. */
const APP_DATABASE_CLIENT = 'cqrs-reference';
const BASELINE_DATABASE_CLIENT = 'bench-baseline';
const WARMUP_REQUESTS = 2_000;

async function main(): Promise<void> {
  installSignalHandlers();
  const settings = readSettings();
  const started = new Date();
  const loadBefore = loadavg();
  mkdirSync(WORK, { recursive: true });
  mkdirSync(REPORTS, { recursive: true });
  const wanted = (key: ScenarioKey) => settings.only.length === 0 || settings.only.includes(key);
  const say = (line: string) => console.log(`[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(3)}s] ${line}`);

  await assertPortsFree([settings.appPort, settings.fastifyPort, settings.jwksPort]);
  say(`Benchmark: ${settings.seconds} s per scenario after ${settings.warmupSeconds} s warm-up; reads ${settings.readConnections} connections, writes ${settings.writeConnections}`);
  const database = await openDatabase(settings.databaseUrl, settings.embeddedPgPort);
  say(`Database: ${database.description}`);
  const identity = await startIdentity(settings.jwksPort);
  const env = appEnv(settings, database.url, identity);
  const apiKey = await createApiKey(env);

  const app = spawnNode('app', ['--import', join(DIST, 'bench', 'app-probe.js'), join(DIST, 'src', 'main.js')], env, join(WORK, 'app.log'));
  const memory = watchMemory(app.process.pid!, 'VmHWM');
  const base = `http://127.0.0.1:${settings.appPort}`;
  await waitUntilReady(app, `${base}/health/ready`);
  say(`App (pid ${app.process.pid}) ready at ${base}: NODE_ENV=production, LOG_LEVEL=${settings.logLevel}, pool ${settings.poolSize}; log in ${join(WORK, 'app.log')}`);

  // The bench's own look at the app's database: the ids it created, the backends serving it.
  const appDb = new pg.Pool({ connectionString: database.url, max: 2, application_name: 'bench' });
  onCleanup('bench pool', () => appDb.end());

  const token = await identity.token(USER, 'products:write inventory:write');
  const readHeaders = { 'x-api-key': apiKey };
  const writeHeaders = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': 'autocannon' };
  const runId = randomBytes(4).toString('hex');
  const seedStarted = Date.now();
  const seeded = await seedProducts(base, writeHeaders, settings.seedProducts, settings.writeConnections, `bench-${runId}-s-`, appDb);
  say(`Seeded ${seeded.length} products through POST /v1/products in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);
  const cachedId = seeded[0]!;
  const scenarios: ScenarioReport[] = [];
  const baselines: Partial<Record<BaselineKey, Measured>> = {};
  let profile: BenchReport['profile'];

  /** Runs `measure` and adds the CPU it cost per request: `serverPid`'s, and that of the backends of `databaseClient`. */
  const withCpu = async (serverPid: number, databaseClient: string | null, measure: () => Promise<Figures>): Promise<Figures> => {
    const backends = databaseClient
      ? (await appDb.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [databaseClient])).rows.map((r) => r.pid)
      : [];
    const server0 = cpuSeconds([serverPid]);
    const database0 = backends.length ? cpuSeconds(backends) : undefined;
    const figures = await measure();
    const server1 = cpuSeconds([serverPid]);
    const database1 = backends.length ? cpuSeconds(backends) : undefined;
    const perRequest = (a?: number, b?: number) => (a !== undefined && b !== undefined && figures.requests ? ((b - a) * 1000) / figures.requests : undefined);
    figures.cpu = { serverMs: perRequest(server0, server1), databaseMs: perRequest(database0, database1) };
    return figures;
  };

  /**
   * At least BENCH_WARMUP_SECONDS and, within three times that, at least WARMUP_REQUESTS requests: V8 optimises by
   * calls, not by time, and its compiler threads' CPU would otherwise be charged to the first scenario of a slow path.
   */
  const warmUp = async (load: HttpLoad) => {
    let requests = 0;
    for (let round = 0; round < 3 && settings.warmupSeconds > 0 && (round === 0 || requests < WARMUP_REQUESTS); round++) {
      requests += (await httpLoad(load, { seconds: settings.warmupSeconds })).requests;
    }
  };

  const warmAndMeasure = async (load: HttpLoad, serverPid: number) => {
    await warmUp(load);
    return withCpu(serverPid, null, () => httpLoad(load, { seconds: settings.seconds }));
  };

  const measureApp = async (s: Omit<ScenarioReport, 'figures' | 'ratio'>, load: HttpLoad): Promise<void> => {
    say(`${s.title}: ${s.request}, ${s.connections} connections...`);
    await warmUp(load);
    await settle();
    const write = s.key === 'create' || s.key === 'stock-adjustment';
    await app.probe({ cmd: 'reset', recordSql: write });
    const rss = watchMemory(app.process.pid!, 'VmRSS');
    const profiled = settings.profile === s.key;
    const profileFile = join(WORK, `${started.toISOString().replace(/[:.]/g, '-')}-${s.key}.cpuprofile`);
    if (profiled) await app.probe({ cmd: 'profile-start' });
    const figures = await withCpu(app.process.pid!, APP_DATABASE_CLIENT, () => httpLoad(load, { seconds: settings.seconds }));
    if (profiled) {
      await app.probe({ cmd: 'profile-stop', path: profileFile });
      const summary = summarizeProfile(profileFile);
      profile = { scenario: s.key, file: profileFile, top: summary.functions };
      printProfileSummary(summary);
    }
    rss.stop();
    const counted = await app.probe({ cmd: 'count' });
    scenarios.push({
      ...s,
      figures,
      peakRssBytes: rss.peakBytes(),
      statementsPerRequest: figures.requests ? (counted.statements ?? 0) / figures.requests : undefined,
      sql: counted.sql,
    });
    say(`  ${line(figures)}`);
    await settle();
  };

  const measureBaseline = async (key: BaselineKey, title: string, run: () => Promise<Figures>, extra: Partial<Measured> = {}) => {
    say(`Baseline ${title}...`);
    const figures = await run();
    baselines[key] = { title, figures, ...extra };
    say(`  ${line(figures)}`);
    await settle();
  };

  // Opened on first use: only write scenarios need it.
  let sqlPool: pg.Pool | string | undefined;
  const baselinePool = async (): Promise<pg.Pool | string> => {
    if (sqlPool === undefined) {
      const opened = await openBaselineDatabase(database, Boolean(settings.databaseUrl), (url) => runCli('migrate.cli.js', [], { ...env, DATABASE_URL: url }).then(() => undefined));
      if ('unavailable' in opened) sqlPool = opened.unavailable;
      else {
        const pool = new pg.Pool({ connectionString: opened.url, max: settings.writeConnections, application_name: BASELINE_DATABASE_CLIENT });
        onCleanup('baseline pool', () => pool.end());
        sqlPool = pool;
      }
    }
    return sqlPool;
  };

  const measureSqlBaseline = async (key: BaselineKey, title: string, make: (pool: pg.Pool) => Promise<Baseline>) => {
    const unavailable = (reason: string) => {
      baselines[key] = { title, note: reason };
      say(`Baseline ${title}: not available (${reason})`);
    };
    const pool = await baselinePool();
    if (typeof pool === 'string') return unavailable(pool);
    const baseline = await make(pool).catch((e: Error): Baseline => ({ available: false, reason: e.message }));
    if (!baseline.available) return unavailable(baseline.reason);
    const tx = baseline.transaction;
    await measureBaseline(
      key,
      title,
      async () => {
        if (settings.warmupSeconds) await sqlLoad(pool, settings.writeConnections, Math.min(1, settings.warmupSeconds), tx.run);
        return withCpu(process.pid, BASELINE_DATABASE_CLIENT, () => sqlLoad(pool, settings.writeConnections, settings.seconds, tx.run));
      },
      { statementsPerRequest: tx.statements.length + 2, sql: tx.statements },
    );
  };

  const actor = { sub: USER, issuer: identity.issuer };
  const reads = { url: base, connections: settings.readConnections, headers: readHeaders };
  const writes = { url: base, connections: settings.writeConnections, method: 'POST' as const, headers: writeHeaders };

  if (wanted('cached-read') || wanted('uncached-read') || wanted('list-page')) {
    const fastify = spawnNode('fastify-hello', [join(DIST, 'bench', 'fastify-hello.js'), String(settings.fastifyPort)], env, join(WORK, 'fastify-hello.log'));
    await waitUntilReady(fastify, `http://127.0.0.1:${settings.fastifyPort}/`);
    await measureBaseline('fastify-hello', 'bare Fastify hello', () =>
      warmAndMeasure({ url: `http://127.0.0.1:${settings.fastifyPort}/`, connections: settings.readConnections }, fastify.process.pid!),
    );
    await fastify.stop();
  }

  if (wanted('cached-read')) {
    await measureApp(
      { key: 'cached-read', title: 'cached read', request: 'GET /v1/products/{id}, the same id', connections: settings.readConnections, baseline: 'fastify-hello' },
      { ...reads, url: `${base}/v1/products/${cachedId}` },
    );
  }
  if (wanted('list-page')) {
    await measureApp(
      { key: 'list-page', title: 'list page', request: 'GET /v1/products?limit=20', connections: settings.readConnections, baseline: 'fastify-hello' },
      { ...reads, url: `${base}/v1/products?limit=20` },
    );
  }

  let created: string[] = [];
  if (wanted('create')) {
    let sku = 0;
    const prefix = `bench-${runId}-c-`;
    await measureApp(
      { key: 'create', title: 'create', request: 'POST /v1/products, a new sku each', connections: settings.writeConnections, baseline: 'sql-create' },
      { ...writes, url: `${base}/v1/products`, vary: () => ({ body: productBody(`${prefix}${sku++}`) }) },
    );
    created = await productIds(appDb, prefix);
    await measureSqlBaseline('sql-create', 'same SQL via pg', (pool) => createProductBaseline(pool, actor, `bench-${runId}-b-`));
  }

  if (wanted('uncached-read')) {
    // Ids never read before, each once in a fixed cycle: a cache of fewer entries than the cycle never hits (LRU evicts
    // each id before it comes round again); SQL/req shows whether the database answered.
    const ids = [...created, ...seeded.filter((id) => id !== cachedId)];
    let i = 0;
    await measureApp(
      {
        key: 'uncached-read',
        title: 'uncached read',
        request: `GET /v1/products/{id}, ${ids.length.toLocaleString('en-US')} ids in turn`,
        connections: settings.readConnections,
        baseline: 'fastify-hello',
      },
      { ...reads, url: `${base}/v1/products/${ids[0]}`, vary: () => ({ path: `/v1/products/${ids[i++ % ids.length]}` }) },
    );
    scenarios.at(-1)!.note =
      `${i.toLocaleString('en-US')} requests (warm-up included) over ${ids.length.toLocaleString('en-US')} distinct ids: ` +
      `each id read ${(i / ids.length).toFixed(1)} times, in the same order each time`;
  }

  if (wanted('stock-adjustment')) {
    const key: ScenarioKey = 'stock-adjustment';
    const title = 'stock adjustment';
    const request = 'POST /v1/products/{id}/stock-adjustments {delta: +1}, the seeded ids in turn';
    const adjustable = seeded.slice(1);
    const probe = await fetch(`${base}/v1/products/${adjustable[0]}/stock-adjustments`, {
      method: 'POST',
      headers: writeHeaders,
      body: JSON.stringify({ delta: 1, reason: 'bench' }),
    });
    if (probe.status !== 201) {
      const note = probe.status === 404 ? 'not available: the endpoint answers 404 on this branch' : `not available: the endpoint answered ${probe.status}`;
      scenarios.push({ key, title, request, connections: settings.writeConnections, baseline: 'sql-stock-adjustment', note });
      say(`${title}: ${note}`);
    } else {
      let i = 0;
      await measureApp(
        { key, title, request, connections: settings.writeConnections, baseline: 'sql-stock-adjustment' },
        {
          ...writes,
          url: `${base}/v1/products/${adjustable[0]}/stock-adjustments`,
          body: JSON.stringify({ delta: 1, reason: 'bench' }),
          vary: () => ({ path: `/v1/products/${adjustable[i++ % adjustable.length]}/stock-adjustments` }),
        },
      );
    }
    await measureSqlBaseline('sql-stock-adjustment', 'same SQL via pg', (pool) => adjustStockBaseline(pool, actor, settings.seedProducts, `bench-${runId}-bs-`));
  }

  memory.stop();
  noteCacheHits(scenarios);
  for (const s of scenarios) {
    const b = baselines[s.baseline]?.figures;
    if (s.figures && b) s.ratio = { rps: s.figures.rps / b.rps, p50: s.figures.p50 / b.p50, p99: s.figures.p99 / b.p99 };
  }
  scenarios.sort((a, b) => SCENARIOS.indexOf(a.key) - SCENARIOS.indexOf(b.key));

  const report: BenchReport = {
    format: 1,
    startedAt: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
    git: gitInfo(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAverageBefore: loadBefore.map((l) => Number(l.toFixed(2))),
      loadAverageAfter: loadavg().map((l) => Number(l.toFixed(2))),
    },
    settings: {
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      readConnections: settings.readConnections,
      writeConnections: settings.writeConnections,
      poolSize: settings.poolSize,
      seedProducts: settings.seedProducts,
      logLevel: settings.logLevel,
      database: settings.databaseUrl ? 'DATABASE_URL' : 'embedded',
      redis: Boolean(process.env.REDIS_URL),
      only: settings.only.join(',') || null,
      profiled: settings.profile ?? null,
    },
    database: database.description,
    scenarios,
    baselines,
    targets: evaluateTargets(scenarios, settings.readConnections),
    app: { peakRssBytes: memory.peakBytes() },
    profile,
  };

  printReport(report);
  printSql(report);
  const file = writeReport(REPORTS, report);
  const previous = previousReport(REPORTS, report, file);
  if (previous) printComparison(report, previous.report, previous.file);
  console.log(`\nReport: ${file} (${report.seconds} s; load average ${report.machine.loadAverageBefore[0]} before, ${report.machine.loadAverageAfter[0]} after, on ${report.machine.cpus} CPUs)`);
  if (settings.profile) console.log('This run was profiled: its figures are lower than an unprofiled run\'s.');
}

/** Production mode, as a deployment runs it: its own identity provider (our JWKS), a pepper, no dev defaults. */
function appEnv(settings: Settings, databaseUrl: string, identity: BenchIdentity): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(settings.appPort),
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(settings.poolSize),
    DATA_DIR: WORK,
    LOG_LEVEL: settings.logLevel,
    AUTH_ISSUER: identity.issuer,
    AUTH_AUDIENCE: identity.audience,
    AUTH_JWKS_URL: identity.jwksUrl,
    API_KEY_PEPPER: randomBytes(32).toString('base64url'),
    // Limits no run reaches (the limiter still counts every request), unless set: a 429 would measure the limit.
    RATE_LIMIT_READS_PER_MINUTE: process.env.RATE_LIMIT_READS_PER_MINUTE ?? '10000000',
    RATE_LIMIT_WRITES_PER_MINUTE: process.env.RATE_LIMIT_WRITES_PER_MINUTE ?? '10000000',
    // Room for half the seeded products: the uncached read cycles over more ids than that, so it always misses (as a
    // working set larger than the cache would); the cached read and the list page are one entry each.
    QUERY_CACHE_MAX_ENTRIES: process.env.QUERY_CACHE_MAX_ENTRIES ?? String(Math.max(1, Math.floor(settings.seedProducts / 2))),
  };
}

/** Through the project's own CLI, which also migrates the fresh database. */
async function createApiKey(env: NodeJS.ProcessEnv): Promise<string> {
  const key = (await runCli('apikey.cli.js', ['create', '--name', 'bench'], env)).trim().split('\n').at(-1);
  if (!key) throw new Error('npm run apikey printed no key');
  return key;
}

/** One of the app's CLIs (dist/src/cli), with the app's environment; its stdout. */
async function runCli(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(DIST, 'src', 'cli', file), ...args], { env, cwd: ROOT, timeout: 120_000 });
  return stdout;
}

function productBody(sku: string): string {
  return JSON.stringify({ sku, name: 'Bench product', priceCents: 1299, currency: 'EUR' });
}

/**
 * Through the API, so that whatever a create sets up (audit, events, read models) exists for the reads; the ids are
 * then read back in creation order.
 */
async function seedProducts(base: string, headers: Record<string, string>, count: number, connections: number, prefix: string, pool: pg.Pool): Promise<string[]> {
  let n = 0;
  const figures = await httpLoad(
    { url: `${base}/v1/products`, connections: Math.min(connections, count), method: 'POST', headers, vary: () => ({ body: productBody(`${prefix}${n++}`) }) },
    { requests: count },
  );
  if (figures.errors) throw new Error(`Seeding: ${figures.errors} of ${count} creates failed (${JSON.stringify(figures.statusCodes)})`);
  return productIds(pool, prefix);
}

async function productIds(pool: pg.Pool, skuPrefix: string): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM products WHERE sku LIKE $1 ORDER BY created_at, id', [`${skuPrefix}%`]);
  return rows.map((r) => r.id);
}

/**
 * A read the cache answers sends one statement less than one it does not (the product's SELECT), so the difference
 * between the two read scenarios says whether "cached" and "uncached" were what they claim.
 */
function noteCacheHits(scenarios: ScenarioReport[]): void {
  const cached = scenarios.find((s) => s.key === 'cached-read');
  const uncached = scenarios.find((s) => s.key === 'uncached-read');
  if (cached?.statementsPerRequest === undefined || uncached?.statementsPerRequest === undefined) return;
  const extra = uncached.statementsPerRequest - cached.statementsPerRequest;
  const add = (s: ScenarioReport, text: string) => (s.note = s.note ? `${s.note}; ${text}` : text);
  if (Math.abs(extra) < 0.1) {
    add(cached, 'it sent as many SQL statements per request as the uncached read: no server-side cache answered it');
  } else if (extra < 0.9) {
    add(uncached, `only ${extra.toFixed(2)} more SQL statements per request than the cached read: the cache answered part of it (raise BENCH_PRODUCTS)`);
  }
}

function line(f: Figures): string {
  return `${Math.round(f.rps).toLocaleString('en-US')} req/s, p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms, ${f.errors} errors (${f.requests.toLocaleString('en-US')} requests)`;
}

function gitInfo(): BenchReport['git'] {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  return { commit: git('rev-parse', 'HEAD') || 'unknown', branch: git('rev-parse', '--abbrev-ref', 'HEAD') || 'unknown', dirty: git('status', '--porcelain') !== '' };
}

main()
  .catch((e: Error) => {
    if (interrupted()) return;
    console.error(`\nBenchmark failed: ${e.message}`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());

