import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { PUBLIC_ROUTE, REQUIRED_SCOPES, USER_TOKEN_READ } from './access.decorators.js';
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
 * The one place that decides who may call what, applied to every route (closed by default):
 * - reads (GET/HEAD) need a valid API key; routes with @RequireScopes also need a user token;
 * - writes need a user token; an API key alone is refused with 405, and one that comes along must be valid;
 * - @UserTokenRead routes are reads checked like writes (a user token, a key optional), but never a 405;
 * - scopes are checked last, so a 403 always means "you are known, but may not".
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly apiKeyGuard = new ApiKeyPassportGuard();
  private readonly jwtGuard = new JwtPassportGuard();

  constructor(private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const scopes = this.reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES, targets) ?? [];
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const hasKey = request.headers[API_KEY_HEADER] !== undefined;
    const hasBearer = BEARER.test(request.headers.authorization ?? '');

    const userTokenRead = this.reflector.getAllAndOverride<boolean>(USER_TOKEN_READ, targets) ?? false;
    if (READ_METHODS.has(request.method) && !userTokenRead) {
      await this.apiKeyGuard.canActivate(context);
      if (scopes.length === 0) return true;
      if (!hasBearer) throw bearerRequired();
      await this.jwtGuard.canActivate(context);
    } else {
      if (!hasBearer) throw hasKey && !userTokenRead ? apiKeyCannotWrite() : bearerRequired();
      // The user token first: an expired token must be a 401 even when a valid key comes along (no fallback).
      await this.jwtGuard.canActivate(context);
      if (hasKey) await this.apiKeyGuard.canActivate(context);
    }

    const granted = request.user!.scopes;
    const missing = scopes.filter((s) => !granted.has(s));
    if (missing.length) throw insufficientScope(missing);
    return true;
  }
}
