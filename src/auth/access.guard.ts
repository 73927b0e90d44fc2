import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import passport from 'passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException } from '../http/problem.js';
import { RateLimits } from '../rate-limit/rate-limits.js';
import { routeAccessOf, type RouteAccess } from './access.decorators.js';
import { apiKeyCannotWrite, apiKeyRequired, bearerRequired, insufficientScope, invalidToken } from './auth-errors.js';
import { API_KEY_HEADER, ApiKeyStrategy } from './api-keys/api-key.strategy.js';
import type { ApiKeyPrincipal, UserPrincipal } from './principals.js';
import { JwtStrategy } from './tokens/jwt.strategy.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The Bearer scheme, well formed or not: a malformed one is a bad token (401), never "no token" (405). */
const BEARER = /^Bearer(\s|$)/i;
const BEARER_CREDENTIALS = /^Bearer +[A-Za-z0-9\-._~+/]+=* *$/i;

const hasBearerToken = (request: FastifyRequest): boolean => BEARER.test(request.headers.authorization ?? '');

function requireScopes(request: FastifyRequest, scopes: readonly string[]): void {
  const granted = request.user?.scopes;
  const missing = scopes.filter((s) => !granted?.has(s));
  if (missing.length) throw insufficientScope(missing);
}

/**
 * Runs one of this app's own passport strategy instances for one request, the way passport's `authenticate` does:
 * on an object whose prototype is the strategy, given the success/fail/error actions, so concurrent requests never
 * share one. Passport's middleware wrapper is left out: it resolves strategies by name from a registry global to the
 * process (a second app in the same process would take over the first one's), and it cost a read more than the rest
 * of the key check together.
 */
function authenticate<T>(strategy: passport.Strategy, request: FastifyRequest): Promise<{ principal: T | false; reason?: unknown }> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as passport.StrategyCreated<passport.Strategy>;
    attempt.success = (principal) => resolve({ principal: principal as T });
    attempt.fail = (reason?: unknown) => resolve({ principal: false, reason });
    attempt.pass = () => resolve({ principal: false });
    attempt.redirect = () => resolve({ principal: false });
    attempt.error = (err: unknown) => reject(err as Error);
    attempt.authenticate(request as never, { session: false });
  });
}

/**
 * The one place that decides who may call what, and charges the request to the right budget, applied to every
 * route (closed by default):
 * - reads (GET/HEAD) need a valid API key, charged per key; routes with @RequireScopes also need a user token, and
 *   a token that comes along on any read must be valid;
 * - writes need a user token, charged per user; a valid API key alone is refused with 405 (an invalid one is a 401),
 *   and one that comes along with a token must be valid (all of it before the body is read, see
 *   admitWritesBeforeTheirBody);
 * - @UserTokenRead routes are reads checked like writes (a user token, a key optional), but never a 405;
 * - scopes are checked last, so a 403 always means "you are known, but may not";
 * - a request refused for its credentials (401) is charged to its address; when that budget is spent, keys not yet
 *   proven on this instance get a 429 before they are looked up.
 * Budgets are charged only after authentication, so nobody can spend someone else's key or user budget.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('Tokens');
  private readonly routes = new WeakMap<object, RouteAccess>();
  /** Writes whose credentials admitWrite has already checked and charged, so the guard does not do it twice. */
  private readonly admittedWrites = new WeakSet<FastifyRequest>();

  constructor(
    private readonly rateLimits: RateLimits,
    private readonly apiKeyStrategy: ApiKeyStrategy,
    private readonly jwtStrategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.routeAccess(context);
    if (route.public) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (!this.admittedWrites.has(request)) {
      const rawKey = request.headers[API_KEY_HEADER] as string | undefined;
      await this.chargingFailures(request, reply, rawKey, () => this.authenticate(request, reply, rawKey, route));
    }
    requireScopes(request, route.scopes);
    return true;
  }

  /**
   * A read with an API key alone, checked and charged exactly as canActivate does for a route without scopes: for
   * the response cache, which replays such reads before Nest's pipeline runs.
   */
  admitKeyRead(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const rawKey = request.headers[API_KEY_HEADER] as string | undefined;
    return this.chargingFailures(request, reply, rawKey, () => this.admitKey(request, reply, rawKey));
  }

  /**
   * A write's credentials and the scopes its route names, checked and charged exactly as canActivate does: for the
   * hook that does it before the body is read (a malformed body must not turn the contract's 401, 403 or 405 into a
   * 400, 413 or 415). canActivate then only re-checks the scopes.
   */
  async admitWrite(request: FastifyRequest, reply: FastifyReply, scopes: readonly string[]): Promise<void> {
    const rawKey = request.headers[API_KEY_HEADER] as string | undefined;
    await this.chargingFailures(request, reply, rawKey, () => this.authenticateWrite(request, reply, rawKey));
    this.admittedWrites.add(request);
    requireScopes(request, scopes);
  }

  /** Route metadata, read once per handler rather than on every request. */
  private routeAccess(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    let access = this.routes.get(handler);
    if (!access) {
      access = routeAccessOf(handler, context.getClass());
      this.routes.set(handler, access);
    }
    return access;
  }

  private async chargingFailures<T>(request: FastifyRequest, reply: FastifyReply, rawKey: string | undefined, check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (e) {
      if (e instanceof ProblemException && e.getStatus() === 401) await this.rateLimits.chargeFailure(request.ip, rawKey, reply);
      throw e;
    }
  }

  private async authenticate(request: FastifyRequest, reply: FastifyReply, rawKey: string | undefined, route: RouteAccess): Promise<void> {
    if (READ_METHODS.has(request.method) && !route.userTokenRead) {
      await this.admitKey(request, reply, rawKey);
      // Credentials that come along are checked even where none are needed: a bad token, an empty `Bearer` or
      // another scheme is a 401, never silently ignored.
      if (request.headers.authorization !== undefined) await this.verifyToken(request, reply);
      else if (route.scopes.length > 0) throw bearerRequired();
    } else {
      if (route.userTokenRead && !hasBearerToken(request)) throw bearerRequired();
      await this.authenticateWrite(request, reply, rawKey);
    }
  }

  private async authenticateWrite(request: FastifyRequest, reply: FastifyReply, rawKey: string | undefined): Promise<void> {
    if (!hasBearerToken(request)) await this.refuseTokenless(request, reply, rawKey);
    // The user token first: an expired token must be a 401 even when a valid key comes along (no fallback).
    await this.verifyToken(request, reply);
    await this.rateLimits.chargeWrite(request.user!, reply);
    if (rawKey !== undefined) await this.verifyApiKey(request, reply, rawKey, 'write');
  }

  /** No token, so no user: a 401, or with a key a 405 (a key that is not valid is a 401 as on a read). */
  private async refuseTokenless(request: FastifyRequest, reply: FastifyReply, rawKey: string | undefined): Promise<never> {
    if (rawKey === undefined) throw bearerRequired();
    await this.verifyApiKey(request, reply, rawKey, 'write');
    throw apiKeyCannotWrite();
  }

  /** A read's key: valid, then charged to its own budget. */
  private async admitKey(request: FastifyRequest, reply: FastifyReply, rawKey: string | undefined): Promise<void> {
    await this.verifyApiKey(request, reply, rawKey, 'read');
    await this.rateLimits.chargeRead(request.apiKey!, reply);
  }

  /** Every fault of the key gets the same 401 (the strategy logs the reason); a database failure is not one. */
  private async verifyApiKey(
    request: FastifyRequest,
    reply: FastifyReply,
    rawKey: string | undefined,
    on: 'read' | 'write',
  ): Promise<void> {
    if (rawKey === undefined) throw apiKeyRequired(on);
    await this.rateLimits.gateKeyLookup(rawKey, request.ip);
    const { principal } = await authenticate<ApiKeyPrincipal>(this.apiKeyStrategy, request);
    if (!principal) throw apiKeyRequired(on);
    request.apiKey = principal;
    this.rateLimits.keyAccepted(rawKey);
  }

  /** The reason goes to the log; the client only learns that the token is not acceptable (RFC 6750 §3.1). */
  private async verifyToken(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // RFC 6750 §2.1: "Bearer", one space, the token; anything after it is not a token this API was given.
    if (!BEARER_CREDENTIALS.test(request.headers.authorization ?? '')) {
      this.logger.log({ reason: 'malformed Authorization header' }, 'Access token refused');
      throw invalidToken();
    }
    const { principal, reason } = await authenticate<UserPrincipal>(this.jwtStrategy, request).catch((e: unknown) => ({
      principal: false as const,
      reason: e,
    }));
    if (!principal) {
      this.logger.log({ reason: reason instanceof Error ? reason.message : 'unknown' }, 'Access token refused');
      throw invalidToken();
    }
    request.user = principal;
  }
}
