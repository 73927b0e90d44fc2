import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { RedisClientType } from '@keyv/redis';
import type { ApiKeyPrincipal, UserPrincipal } from '../auth/principals.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { Budget, WINDOW_SECONDS, type BudgetState, type LimiterFactory } from './budget.js';
import { clientAddress } from './client-address.js';
import { closeRedis, createRedisClient, waitForRedis } from '../redis/redis-connection.js';
import { ProvenKeys } from './proven-keys.js';
import { rateLimitHeaders, tooManyRequests } from './rate-limit-response.js';

interface HeaderSink {
  header(name: string, value: string): unknown;
}

/** A slow Redis must not hold requests up: past this the count falls back to this instance's memory. */
const COMMAND_TIMEOUT_MS = 500;

/**
 * The three budgets, each counted with one store operation (in memory, or one Redis round trip):
 * - `per-key`: reads, per API key (its own limit, else RATE_LIMIT_READS_PER_MINUTE);
 * - `per-user`: writes, per token `sub` (RATE_LIMIT_WRITES_PER_MINUTE);
 * - `per-ip`: requests refused for missing or invalid credentials, per client address
 *   (RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE). Only failures count; once it is spent, a key not yet proven on this
 *   instance is refused with 429 before it is looked up, so guessing keys never reaches the database.
 * With REDIS_URL every instance shares the counts; if Redis is unreachable each instance counts in memory
 * (rate-limiter-flexible's insurance limiter) rather than refusing traffic.
 */
@Injectable()
export class RateLimits implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RateLimits');
  private readonly redis: RedisClientType | undefined;
  private readonly perKey: Budget;
  private readonly perUser: Budget;
  private readonly perIp: Budget;
  private readonly provenKeys = new ProvenKeys();
  private lastRedisErrorLog = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const memory: LimiterFactory = (policy, points) => new RateLimiterMemory({ keyPrefix: policy, points, duration: WINDOW_SECONDS });
    let factory = memory;
    if (config.redisUrl) {
      const redis = createRedisClient(config.redisUrl, (e) => this.redisError(e as Error));
      this.redis = redis;
      const store = redis.withCommandOptions({ timeout: COMMAND_TIMEOUT_MS });
      factory = (policy, points) =>
        new RateLimiterRedis({
          storeClient: store,
          useRedisPackage: true,
          keyPrefix: `${config.redisKeyPrefix}rl:${policy}`,
          points,
          duration: WINDOW_SECONDS,
          rejectIfRedisNotReady: true,
          insuranceLimiter: memory(policy, points),
        });
    }
    const { readsPerMinute, writesPerMinute, unauthenticatedPerMinute } = config.rateLimits;
    this.perKey = new Budget('per-key', readsPerMinute, factory);
    this.perUser = new Budget('per-user', writesPerMinute, factory);
    this.perIp = new Budget('per-ip', unauthenticatedPerMinute, factory);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.redis && !(await waitForRedis(this.redis, (e) => this.redisError(e as Error)))) {
      this.logger.warn('Redis is not reachable yet: rate limits are counted per instance until it is');
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.redis) await closeRedis(this.redis);
  }

  /** A read by an authenticated API key. */
  async chargeRead(apiKey: ApiKeyPrincipal, reply: HeaderSink): Promise<void> {
    this.enforce(await this.perKey.consume(apiKey.id, apiKey.rateLimitPerMinute ?? undefined), reply);
  }

  /** A write by an authenticated user. */
  async chargeWrite(user: UserPrincipal, reply: HeaderSink): Promise<void> {
    this.enforce(await this.perUser.consume(user.sub), reply);
  }

  /** Before an API key is looked up: a key not proven here waits while its address has no failures left. */
  async gateKeyLookup(rawKey: string, ip: string | undefined): Promise<void> {
    if (this.provenKeys.has(rawKey)) return;
    const state = await this.perIp.peek(clientAddress(ip));
    if (state?.exceeded) throw tooManyRequests(state);
  }

  keyAccepted(rawKey: string): void {
    this.provenKeys.remember(rawKey);
  }

  /** A request refused for its credentials: counts against its address; past the budget the answer is a 429. */
  async chargeFailure(ip: string | undefined, rawKey: string | undefined, reply: HeaderSink): Promise<void> {
    if (rawKey !== undefined) this.provenKeys.forget(rawKey);
    this.enforce(await this.perIp.consume(clientAddress(ip)), reply);
  }

  /** Null means the store failed even with its insurance: let the request through rather than fail it. */
  private enforce(state: BudgetState | null, reply: HeaderSink): void {
    if (!state) return;
    if (state.exceeded) throw tooManyRequests(state);
    for (const [name, value] of Object.entries(rateLimitHeaders(state))) reply.header(name, value);
  }

  private redisError(e: Error): void {
    const now = Date.now();
    if (now - this.lastRedisErrorLog < 60_000) return;
    this.lastRedisErrorLog = now;
    this.logger.warn({ reason: e.message }, 'Redis error: rate limits fall back to per-instance counting');
  }
}
