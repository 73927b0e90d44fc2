import { Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem.js';

/**
 * Routes without query parameters refuse any, as the validated ones refuse unknown fields: a client learns that
 * `?fields=…` was not honoured, and the response cache is not filled with one copy of an answer per made-up URL.
 * A guard, so it runs after the access guard: without credentials the answer is still a 401. Writes take all their
 * input from the body, path and headers, so their controllers refuse any query (`?dryRun=true` must not look honoured).
 */
@Injectable()
class NoQueryGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const query = context.switchToHttp().getRequest<FastifyRequest>().query as Record<string, unknown> | undefined;
    const names = Object.keys(query ?? {});
    if (names.length === 0) return true;
    throw ProblemException.badRequest(
      `Invalid ${names.join(', ')}.`,
      names.map((field) => ({ field, messages: [`property ${field} should not exist`] })),
    );
  }
}

export const NoQueryParameters = () => UseGuards(NoQueryGuard);
