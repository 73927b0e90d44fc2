import type { ScenarioKey } from './report.js';

export const SCENARIOS: ScenarioKey[] = ['cached-read', 'list-page', 'create', 'uncached-read', 'stock-adjustment'];

/** Everything a run can be told, from the environment (BENCH_*) and `npm run bench -- [--only a,b] [--profile key]`. */
export interface Settings {
  seconds: number;
  warmupSeconds: number;
  readConnections: number;
  /** Writes hold a database connection each: as many as the app's pool, so neither side queues for one. */
  writeConnections: number;
  poolSize: number;
  seedProducts: number;
  appPort: number;
  fastifyPort: number;
  jwksPort: number;
  embeddedPgPort: number;
  logLevel: string;
  databaseUrl?: string;
  only: ScenarioKey[];
  profile?: ScenarioKey;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env, argv = process.argv.slice(2)): Settings {
  const num = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const scenarioList = (value: string | undefined, name: string): ScenarioKey[] => {
    if (!value) return [];
    const keys = value.split(',').map((s) => s.trim());
    const unknown = keys.filter((k) => !SCENARIOS.includes(k as ScenarioKey));
    if (unknown.length) throw new Error(`--${name}: unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
    return keys as ScenarioKey[];
  };
  const poolSize = num('DATABASE_POOL_SIZE', 10, 1, 200);
  const port = num('BENCH_PORT', 3100, 1024, 65530);
  const profile = scenarioList(flag('profile'), 'profile')[0];
  return {
    seconds: num('BENCH_SECONDS', 10, 1, 600),
    warmupSeconds: num('BENCH_WARMUP_SECONDS', 2, 0, 60),
    readConnections: num('BENCH_READ_CONNECTIONS', 50, 1, 1000),
    writeConnections: num('BENCH_WRITE_CONNECTIONS', poolSize, 1, 1000),
    poolSize,
    seedProducts: num('BENCH_PRODUCTS', 1000, 100, 1_000_000),
    appPort: port,
    fastifyPort: port + 1,
    jwksPort: port + 2,
    embeddedPgPort: num('BENCH_PG_PORT', 54331, 1024, 65535),
    logLevel: env.BENCH_LOG_LEVEL || 'warn',
    databaseUrl: env.DATABASE_URL || undefined,
    only: scenarioList(flag('only'), 'only'),
    profile,
  };
}
