import type { FastifyInstance, FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import { sendProblem } from './problem-response.js';

type Method = FindMyWay.HTTPMethod;

/**
 * RFC 9110 §15.5.6 and §9.3.7: a path that exists for other methods answers 405 with `Allow`, and OPTIONS on it
 * answers 204 with `Allow` (no credentials: it reveals only what the OpenAPI document does). Fastify's router only
 * says "not found", so every route is mirrored into a second find-my-way router that can be asked per method.
 * Call before the routes are registered (before `app.init()`) and after the hook that sets the request id.
 */
export function answerMethodNotAllowed(fastify: FastifyInstance): void {
  const router = FindMyWay();
  const methods = new Set<Method>();
  fastify.addHook('onRoute', (route) => {
    if (route.url === '*' && route.method === 'OPTIONS') return;
    for (const method of ([] as string[]).concat(route.method) as Method[]) {
      if (router.hasRoute(method, route.url)) continue;
      router.on(method, route.url, () => undefined);
      methods.add(method);
    }
  });

  const allowFor = (request: FastifyRequest): string | undefined => {
    const path = request.url.split('?')[0];
    const allowed = [...methods].filter((m) => router.find(m, path) !== null);
    if (allowed.length === 0) return undefined;
    if (allowed.includes('GET') && !allowed.includes('HEAD')) allowed.push('HEAD');
    allowed.push('OPTIONS');
    return allowed.join(', ');
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404 || request.method === 'OPTIONS') return done();
    const allow = allowFor(request);
    if (!allow) return done();
    sendProblem(request, reply, {
      status: 405,
      detail: `${request.method} is not supported here; this path allows ${allow}.`,
      headers: { allow },
    });
  });

  fastify.route({
    method: 'OPTIONS',
    url: '*',
    handler(request, reply) {
      const allow = allowFor(request);
      if (!allow) {
        sendProblem(request, reply, { status: 404, detail: `Cannot OPTIONS ${request.url.split('?')[0]}` });
        return;
      }
      reply.status(204).header('allow', allow).header('cache-control', 'no-store').send();
    },
  });
}
