import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { UserPrincipal } from '../auth/principals.js';

/** Who is writing and from which request: every command carries it, every audit event records it. */
export interface WriteContext {
  user: UserPrincipal;
  apiKeyId: string | null;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

export function writeContextOf(request: FastifyRequest): WriteContext {
  const userAgent = request.headers['user-agent'];
  return {
    user: request.user!,
    apiKeyId: request.apiKey?.id ?? null,
    requestId: request.id,
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
  };
}

/** Controller parameter: the WriteContext of an authenticated write (the AccessGuard has run). */
export const Writer = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  writeContextOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
