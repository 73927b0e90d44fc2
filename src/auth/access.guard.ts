import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException } from '../http/problem.js';
import { RateLimits } from '../rate-limit/rate-limits.js';
import { PUBLIC_ROUTE, REQUIRED_SCOPES } from './access.decorators.js';
import { apiKeyCannotWrite, apiKeyRequired, bearerRequired, insufficientScope, invalidToken } from './auth-errors.js';
import { API_KEY_HEADER, API_KEY_STRATEGY } from './api-keys/api-key.strategy.js';
import { JWT_STRATEGY } from './tokens/jwt.strategy.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BEARER = /^Bearer\s+\S/i;

class ApiKeyPassportGuard extends AuthGuard(API_KEY_STRATEGY) {
  override getAuthenticateOptions() {
    return { property: 'apiKey', session: false };
  }
  override handleRequest<T>(err: unknown, principal: T): T {
    if (err || !principal) throw apiKeyRequired();
    return principal;
  }
}

class JwtPassportGuard extends AuthGuard(JWT_STRATEGY) {
  private readonly logger = new Logger('Tokens');
  override getAuthenticateOptions() {
    return { property: 'user', session: false };
  }
  override handleRequest<T>(err: unknown, principal: T, info: unknown): T {
    if (err || !principal) {
      const reason = (err ?? info) as Error | undefined;
      this.logger.log({ reason: reason?.message ?? 'unknown' }, 'Access token refused');
      throw invalidToken();
    }
    return principal;
  }
}

/**
 * The one place that decides who may call what, and charges the request to the right budget, applied to every
 * route (closed by default):
 * - reads (GET/HEAD) need a valid API key, charged per key; routes with @RequireScopes also need a user token;
 * - writes need a user token, charged per user; an API key alone is refused with 405, and one that comes along must
 *   be valid;
 * - scopes are checked last, so a 403 always means "you are known, but may not";
 * - a request refused for its credentials (401) is charged to its address; when that budget is spent, keys not yet
 *   proven on this instance get a 429 before they are looked up.
 * Budgets are charged only after authentication, so nobody can spend someone else's key or user budget.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly apiKeyGuard = new ApiKeyPassportGuard();
  private readonly jwtGuard = new JwtPassportGuard();

  constructor(
    private readonly reflector: Reflector,
    private readonly rateLimits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const scopes = this.reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES, targets) ?? [];
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const rawKey = request.headers[API_KEY_HEADER] as string | undefined;
    try {
      await this.authenticate(context, request, reply, rawKey, scopes);
    } catch (e) {
      if (e instanceof ProblemException && e.getStatus() === 401) await this.rateLimits.chargeFailure(request.ip, rawKey, reply);
      throw e;
    }
    const granted = request.user?.scopes;
    const missing = scopes.filter((s) => !granted?.has(s));
    if (missing.length) throw insufficientScope(missing);
    return true;
  }

  private async authenticate(
    context: ExecutionContext,
    request: FastifyRequest,
    reply: FastifyReply,
    rawKey: string | undefined,
    scopes: string[],
  ): Promise<void> {
    const hasBearer = BEARER.test(request.headers.authorization ?? '');
    if (READ_METHODS.has(request.method)) {
      await this.verifyApiKey(context, request, rawKey);
      await this.rateLimits.chargeRead(request.apiKey!, reply);
      if (scopes.length === 0) return;
      if (!hasBearer) throw bearerRequired();
      await this.jwtGuard.canActivate(context);
    } else {
      if (!hasBearer) throw rawKey !== undefined ? apiKeyCannotWrite() : bearerRequired();
      // The user token first: an expired token must be a 401 even when a valid key comes along (no fallback).
      await this.jwtGuard.canActivate(context);
      await this.rateLimits.chargeWrite(request.user!, reply);
      if (rawKey !== undefined) await this.verifyApiKey(context, request, rawKey);
    }
  }

  private async verifyApiKey(context: ExecutionContext, request: FastifyRequest, rawKey: string | undefined): Promise<void> {
    if (rawKey === undefined) throw apiKeyRequired();
    await this.rateLimits.gateKeyLookup(rawKey, request.ip);
    await this.apiKeyGuard.canActivate(context);
    this.rateLimits.keyAccepted(rawKey);
  }
}
