import { z } from 'zod';
import { resolve } from 'node:path';
import { isTrustworthyKeyUrl } from '../auth/tokens/oidc-discovery.js';

const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** The longest a rotated key may keep working, from the environment or a rotate request: 30 days. */
export const MAX_ROTATION_GRACE_SECONDS = 30 * 86_400;

const ALLOWED_JWS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optionalString,
  DATABASE_READ_URLS: csv(''),
  DATABASE_POOL_SIZE: int(10, 1, 200),
  EMBEDDED_PG_PORT: int(54329, 1024, 65535),
  REDIS_URL: optionalString,
  AUTH_ISSUER: optionalString,
  AUTH_AUDIENCE: optionalString,
  AUTH_JWKS_URL: optionalString,
  // Symmetric algorithms are never accepted: a JWKS publishes public keys, and HS* with a public key is the classic forgery.
  AUTH_ALGORITHMS: csv('RS256,ES256').pipe(z.array(z.enum(ALLOWED_JWS_ALGORITHMS)).min(1)),
  // The product's rule: user tokens live an hour at most. Configure the identity provider to issue no longer ones.
  AUTH_MAX_TOKEN_TTL_SECONDS: int(3600, 60, 3600),
  AUTH_CLOCK_SKEW_SECONDS: int(30, 0, 60),
  AUTH_JWKS_MIN_REFRESH_SECONDS: int(10, 1, 600),
  // Opt-in: without AUTH_JWKS_URL the contract's default is the local dev key, whatever AUTH_ISSUER says.
  AUTH_OIDC_DISCOVERY: z.enum(['true', 'false']).default('false'),
  API_KEY_PEPPER: optionalString,
  API_KEY_ROTATION_GRACE_SECONDS: int(86_400, 0, MAX_ROTATION_GRACE_SECONDS),
  // Bounds how long a revocation may take to reach every instance, so it stays "a few seconds" at most.
  API_KEY_CACHE_TTL_MS: int(1000, 0, 5000),
  API_KEY_USAGE_FLUSH_SECONDS: int(5, 1, 3600),
  BODY_LIMIT_BYTES: int(64 * 1024, 1024, 10 * 1024 * 1024),
  CACHE_MAX_AGE_SECONDS: int(60, 0, 86400),
  // The whole header for reads authenticated by an API key alone, e.g. `public, max-age=60, s-maxage=300` behind a
  // CDN that validates keys at the edge. Directives only: `name` or `name=value`, comma-separated.
  CACHE_CONTROL: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z-]+(=[0-9a-z"-]+)?(\s*,\s*[a-z-]+(=[0-9a-z"-]+)?)*$/i, 'must be Cache-Control directives, e.g. "public, max-age=60"')
      .optional(),
  ),
  QUERY_CACHE_TTL_SECONDS: int(60, 0, 86400),
  QUERY_CACHE_MAX_ENTRIES: int(10_000, 1, 10_000_000),
  TRUST_PROXY: optionalString,
  IDEMPOTENCY_TTL_SECONDS: int(24 * 3600, 1, 30 * 24 * 3600),
  IDEMPOTENCY_LOCK_TIMEOUT_SECONDS: int(60, 1, 3600),
  OUTBOX_RELAY_ENABLED: z.enum(['true', 'false']).default('true'),
  OUTBOX_POLL_INTERVAL_MS: int(1000, 10, 60_000),
  PROJECTION_MAX_ATTEMPTS: int(5, 1, 100),
  PROJECTION_RETRY_DELAY_MS: int(1000, 1, 300_000),
  REDIS_KEY_PREFIX: z.string().default('cqrs:'),
  RATE_LIMIT_READS_PER_MINUTE: int(6000, 1, 10_000_000),
  RATE_LIMIT_WRITES_PER_MINUTE: int(600, 1, 10_000_000),
  RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: int(60, 1, 10_000_000),
});

/** Environment variables the app reads, all as strings. */
export type Env = { [K in keyof z.input<typeof envSchema>]?: string };

export const DEV_ISSUER = 'urn:cqrs-reference:dev-issuer';
export const DEV_AUDIENCE = 'urn:cqrs-reference:api';
/** Public, so it adds nothing secret: production deployments set API_KEY_PEPPER. Changing it invalidates every key. */
export const DEFAULT_API_KEY_PEPPER = 'cqrs-reference-default-pepper';

export interface AppConfig {
  env: 'development' | 'test' | 'production';
  http: { port: number; host: string; bodyLimitBytes: number; trustProxy?: string };
  logLevel: string;
  dataDir: string;
  database: { url?: string; readUrls: string[]; poolSize: number; embeddedPort: number };
  redisUrl?: string;
  redisKeyPrefix: string;
  auth: {
    issuer: string;
    audience: string;
    /** Unset: tokens are verified with the local development key under dataDir. */
    jwksUrl?: string;
    /**
     * Where verification keys come from: AUTH_JWKS_URL; else, with AUTH_OIDC_DISCOVERY=true, OIDC discovery from
     * AUTH_ISSUER (outside production, which requires AUTH_JWKS_URL); else the local development key.
     */
    keySource: 'jwks-url' | 'discovery' | 'dev-key';
    /** The shortest time between two JWKS fetches caused by a token naming an unknown `kid`. */
    jwksMinRefreshSeconds: number;
    algorithms: string[];
    maxTokenTtlSeconds: number;
    clockSkewSeconds: number;
    devSigningKeyPath: string;
  };
  apiKeys: {
    pepper: string;
    /** How long a rotated key keeps working when the rotate request does not say. */
    rotationGraceSeconds: number;
    /** Lifetime of an authenticated key in the in-process cache: the longest a revocation takes to reach another instance. 0 = no cache. */
    cacheTtlMs: number;
    /** Usage counters are written to the database this often (and on shutdown), never per request. */
    usageFlushSeconds: number;
  };
  cache: {
    maxAgeSeconds: number;
    /** `Cache-Control` of successful reads made with an API key alone. */
    cacheControl: string;
    /** Server-side query cache: entry lifetime (0 turns it off) and the in-process bound on entries. */
    queryTtlSeconds: number;
    queryMaxEntries: number;
  };
  /** How long a key answers with its first response; how long a request may hold a key before a retry may take it over. */
  idempotency: { ttlSeconds: number; lockTimeoutSeconds: number };
  outbox: {
    /** Whether this process relays the outbox (servers do; the CLIs do not, so they never consume events). */
    relayEnabled: boolean;
    /** How often the relay looks for events written by other instances or left by a crash. */
    pollIntervalMs: number;
    /** Attempts of a failing event before it is parked. */
    maxAttempts: number;
    /** Delay before the second attempt; it doubles with each further one (at most 5 minutes). */
    retryDelayMs: number;
  };
  /** Requests per minute: per API key (reads), per user (writes), per client address (failed authentication). */
  rateLimits: { readsPerMinute: number; writesPerMinute: number; unauthenticatedPerMinute: number };
}

export class ConfigError extends Error {}

/** Parses and validates the environment once; a bad value stops the start with every problem listed. */
export function loadConfig(source: Env | NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production') {
    const missing = (['DATABASE_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL'] as const).filter((k) => !e[k]);
    if (missing.length) throw new ConfigError(`NODE_ENV=production needs ${missing.join(', ')}`);
  }
  // The same rule as for keys found through discovery, in every environment: keys fetched over plain HTTP from
  // another machine can be swapped by anyone on the path, and then any token verifies.
  if (e.AUTH_JWKS_URL && !isTrustworthyKeyUrl(e.AUTH_JWKS_URL)) {
    throw new ConfigError(`AUTH_JWKS_URL must be https (or http on loopback): ${e.AUTH_JWKS_URL}`);
  }
  if (e.AUTH_OIDC_DISCOVERY === 'true' && (!e.AUTH_ISSUER || e.AUTH_ISSUER === DEV_ISSUER)) {
    throw new ConfigError('AUTH_OIDC_DISCOVERY=true needs AUTH_ISSUER: the provider whose keys to discover');
  }
  const dataDir = resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    http: { port: e.PORT, host: e.HOST, bodyLimitBytes: e.BODY_LIMIT_BYTES, trustProxy: e.TRUST_PROXY },
    logLevel: e.LOG_LEVEL,
    dataDir,
    database: {
      url: e.DATABASE_URL,
      readUrls: e.DATABASE_READ_URLS,
      poolSize: e.DATABASE_POOL_SIZE,
      embeddedPort: e.EMBEDDED_PG_PORT,
    },
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    auth: {
      issuer: e.AUTH_ISSUER ?? DEV_ISSUER,
      audience: e.AUTH_AUDIENCE ?? DEV_AUDIENCE,
      jwksUrl: e.AUTH_JWKS_URL,
      keySource: e.AUTH_JWKS_URL ? 'jwks-url' : e.AUTH_OIDC_DISCOVERY === 'true' ? 'discovery' : 'dev-key',
      jwksMinRefreshSeconds: e.AUTH_JWKS_MIN_REFRESH_SECONDS,
      algorithms: e.AUTH_ALGORITHMS,
      maxTokenTtlSeconds: e.AUTH_MAX_TOKEN_TTL_SECONDS,
      clockSkewSeconds: e.AUTH_CLOCK_SKEW_SECONDS,
      devSigningKeyPath: resolve(dataDir, 'dev-signing-key.json'),
    },
    // Keys are 190-bit random secrets, so a keyed SHA-256 is the right hash; the pepper only adds defence in depth.
    apiKeys: {
      pepper: e.API_KEY_PEPPER ?? DEFAULT_API_KEY_PEPPER,
      rotationGraceSeconds: e.API_KEY_ROTATION_GRACE_SECONDS,
      cacheTtlMs: e.API_KEY_CACHE_TTL_MS,
      usageFlushSeconds: e.API_KEY_USAGE_FLUSH_SECONDS,
    },
    cache: {
      maxAgeSeconds: e.CACHE_MAX_AGE_SECONDS,
      cacheControl: e.CACHE_CONTROL ?? `private, max-age=${e.CACHE_MAX_AGE_SECONDS}`,
      queryTtlSeconds: e.QUERY_CACHE_TTL_SECONDS,
      queryMaxEntries: e.QUERY_CACHE_MAX_ENTRIES,
    },
    idempotency: { ttlSeconds: e.IDEMPOTENCY_TTL_SECONDS, lockTimeoutSeconds: e.IDEMPOTENCY_LOCK_TIMEOUT_SECONDS },
    outbox: {
      relayEnabled: e.OUTBOX_RELAY_ENABLED === 'true',
      pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
      maxAttempts: e.PROJECTION_MAX_ATTEMPTS,
      retryDelayMs: e.PROJECTION_RETRY_DELAY_MS,
    },
    rateLimits: {
      readsPerMinute: e.RATE_LIMIT_READS_PER_MINUTE,
      writesPerMinute: e.RATE_LIMIT_WRITES_PER_MINUTE,
      unauthenticatedPerMinute: e.RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE,
    },
  };
}
