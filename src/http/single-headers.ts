import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problem-response.js';

/**
 * Headers that name one credential or one request must come once. Node keeps the first `Authorization` and drops
 * the rest, and joins repeated `X-API-Key` or `Idempotency-Key` with commas: a proxy that reads another copy would
 * see another caller than this app does. So a repeat is a 400, not a guess.
 */
const SINGLE = new Set(['authorization', 'x-api-key', 'idempotency-key']);
// Every request passes here: only names of these lengths are lower-cased and looked up.
const LENGTHS = new Set([...SINGLE].map((name) => name.length));

export function refuseRepeatedHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw.rawHeaders;
    let seen: string[] | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      if (!LENGTHS.has(raw[i].length)) continue;
      const name = raw[i].toLowerCase();
      if (!SINGLE.has(name)) continue;
      if (seen?.includes(name)) {
        return sendProblem(request, reply, {
          status: 400,
          detail: `Send the ${raw[i]} header once.`,
          errors: [{ field: raw[i], messages: ['must be sent once'] }],
        });
      }
      (seen ??= []).push(name);
    }
    done();
  });
}
