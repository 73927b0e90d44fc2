import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Every budget is per minute, a fixed window that starts with the first request counted in it. */
export const WINDOW_SECONDS = 60;

/** Where one budget stands after a request: what the RateLimit header fields report. */
export interface BudgetState {
  policy: string;
  limit: number;
  remaining: number;
  /** Seconds until the window ends and the budget is whole again. */
  resetSeconds: number;
  exceeded: boolean;
}

export type LimiterFactory = (policy: string, points: number) => RateLimiterAbstract;

function stateOf(policy: string, limit: number, res: RateLimiterRes): BudgetState {
  return {
    policy,
    limit,
    remaining: Math.max(0, limit - res.consumedPoints),
    resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    exceeded: res.consumedPoints > limit,
  };
}

/**
 * One named budget (e.g. per API key), kept by rate-limiter-flexible in memory or in Redis. A limiter exists per
 * distinct limit (API keys may have their own); they share one store key per subject, so with Redis a changed
 * limit keeps the count.
 */
export class Budget {
  private readonly limiters = new Map<number, RateLimiterAbstract>();

  constructor(
    readonly policy: string,
    readonly defaultLimit: number,
    private readonly makeLimiter: LimiterFactory,
  ) {}

  /** Counts one request. Null only when the store failed (then the request is let through: see RateLimits). */
  async consume(subject: string, limit = this.defaultLimit): Promise<BudgetState | null> {
    try {
      return stateOf(this.policy, limit, await this.limiter(limit).consume(subject));
    } catch (e) {
      if (e instanceof RateLimiterRes) return stateOf(this.policy, limit, e);
      return null;
    }
  }

  /** Where the budget stands, without counting anything. */
  async peek(subject: string, limit = this.defaultLimit): Promise<BudgetState | null> {
    try {
      const res = await this.limiter(limit).get(subject);
      if (!res) return { policy: this.policy, limit, remaining: limit, resetSeconds: WINDOW_SECONDS, exceeded: false };
      const state = stateOf(this.policy, limit, res);
      return { ...state, exceeded: res.consumedPoints >= limit };
    } catch {
      return null;
    }
  }

  private limiter(limit: number): RateLimiterAbstract {
    let limiter = this.limiters.get(limit);
    if (!limiter) {
      limiter = this.makeLimiter(this.policy, limit);
      this.limiters.set(limit, limiter);
    }
    return limiter;
  }
}
