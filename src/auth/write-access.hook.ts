import type { FastifyInstance } from 'fastify';
import { answerError } from '../http/problem-details.filter.js';
import { routeAccessOf, type RouteAccess } from './access.decorators.js';
import { AccessGuard } from './access.guard.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const WRITE_ROUTE = 'writeAccess';

/**
 * A write's credentials and scopes are checked (401, 403, 405 with an API key alone) before Fastify reads its body:
 * the answer does not depend on the body, and a malformed or oversized one must not turn it into a 400, 413 or 415.
 * The guard decides, as it would later, from the route's own metadata (Nest copies a method's metadata to the
 * handler it registers with Fastify). Call before the routes are registered (before `app.init()`).
 */
export function admitWritesBeforeTheirBody(fastify: FastifyInstance, access: AccessGuard): void {
  // Kept in the route's config: Fastify binds the handler, so the request's handler is not the one seen here.
  fastify.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), [WRITE_ROUTE]: routeAccessOf(route.handler) };
  });
  fastify.addHook('onRequest', async (request, reply) => {
    if (!WRITE_METHODS.has(request.method) || request.is404) return;
    const route = (request.routeOptions.config as { [WRITE_ROUTE]?: RouteAccess })[WRITE_ROUTE];
    if (!route || route.public) return;
    try {
      await access.admitWrite(request, reply, route.scopes);
    } catch (error) {
      answerError(error, request, reply);
      return reply;
    }
  });
}
