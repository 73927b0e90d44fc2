import type { FastifyInstance } from 'fastify';
import { answerError } from '../http/problem-details.filter.js';
import { PUBLIC_ROUTE } from './access.decorators.js';
import { AccessGuard, hasBearerToken } from './access.guard.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A write without a bearer token is refused (401, or 405 with an API key) before Fastify reads its body: the answer
 * does not depend on the body, and a malformed or oversized one must not turn it into a 400, 413 or 415. The guard
 * decides, as it would later. Call before the routes are registered (before `app.init()`).
 */
export function refuseTokenlessWrites(fastify: FastifyInstance, access: AccessGuard): void {
  const publicHandlers = new WeakSet<object>();
  fastify.addHook('onRoute', (route) => {
    if (Reflect.getMetadata(PUBLIC_ROUTE, route.handler)) publicHandlers.add(route.handler);
  });
  fastify.addHook('onRequest', async (request, reply) => {
    if (!WRITE_METHODS.has(request.method) || request.is404 || hasBearerToken(request)) return;
    if (publicHandlers.has(request.routeOptions.handler)) return;
    try {
      await access.refuseTokenlessWrite(request, reply);
    } catch (error) {
      answerError(error, request, reply);
      return reply;
    }
  });
}
