import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem-response.js';

// PostgreSQL text cannot hold NUL, and an unpaired surrogate is not UTF-8: refused here as a 400, not a 500 later.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function firstUnstorable(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : null;
  if (value === null || typeof value !== 'object' || depth > 32) return null;
  for (const [k, v] of Object.entries(value)) {
    const field = firstUnstorable(v, path ? `${path}.${k}` : k, depth + 1);
    if (field !== null) return field;
  }
  return null;
}

/** A Fastify preValidation hook: query strings and JSON bodies may only carry text PostgreSQL can store. */
export function refuseUnstorableText(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const field = firstUnstorable(request.query, '') ?? firstUnstorable(request.body, '');
  if (field === null) return done();
  const name = field || 'body';
  sendProblem(request, reply, {
    status: 400,
    detail: `${name} contains a NUL character or an unpaired surrogate.`,
    errors: [{ field: name, messages: ['must not contain NUL characters or unpaired surrogates'] }],
  });
}
