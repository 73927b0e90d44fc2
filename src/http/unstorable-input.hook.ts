import type { FastifyReply, FastifyRequest } from 'fastify';
import { isStorableText } from '../common/text.js';
import { sendProblem } from './problem-response.js';

/** No body here is deeper than a few levels; thousands would overflow the recursion of the validators (a 500). */
export const MAX_JSON_DEPTH = 32;

interface Fault {
  field: string;
  message: string;
}

function firstFault(value: unknown, path: string, depth = 0): Fault | null {
  if (typeof value === 'string') return !isStorableText(value) ? { field: path, message: 'must not contain NUL characters or unpaired surrogates' } : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth >= MAX_JSON_DEPTH) return { field: path, message: `must not be nested more than ${MAX_JSON_DEPTH} levels deep` };
  for (const [k, v] of Object.entries(value)) {
    const fault = firstFault(v, path ? `${path}.${k}` : k, depth + 1);
    if (fault) return fault;
  }
  return null;
}

/** Fastify's query parser keeps `%ZZ` or an overlong `%C0%80` as it finds them; the router refuses them in a path. */
function isBadlyEncodedQuery(url: string): boolean {
  const start = url.indexOf('?');
  if (start < 0 || !url.includes('%', start)) return false;
  try {
    decodeURIComponent(url.slice(start + 1));
    return false;
  } catch {
    return true;
  }
}

/**
 * A Fastify preValidation hook: query strings must be validly encoded, and they and JSON bodies may only carry text
 * PostgreSQL can store, nested no deeper than MAX_JSON_DEPTH.
 */
export function refuseUnstorableInput(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  if (isBadlyEncodedQuery(request.url)) {
    return sendProblem(request, reply, { status: 400, detail: 'The query string is not validly percent-encoded UTF-8.' });
  }
  const fault = firstFault(request.query, '') ?? firstFault(request.body, '');
  if (fault === null) return done();
  const name = fault.field || 'body';
  sendProblem(request, reply, { status: 400, detail: `${name} ${fault.message}.`, errors: [{ field: name, messages: [fault.message] }] });
}
