import canonicalize from 'canonicalize';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { ProblemException } from '../http/problem.js';
import { pathOf } from '../http/request-path.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

// Printable ASCII, as Stripe and the IETF draft's examples use (UUIDs, ULIDs, random strings).
const KEY_FORMAT = /^[\x20-\x7E]{1,255}$/;

/** The key the client sent; anything else than 1 to 255 printable ASCII characters is a 400. */
export function parseIdempotencyKey(value: string | string[]): string {
  if (typeof value === 'string' && KEY_FORMAT.test(value)) return value;
  const message = 'Idempotency-Key must be 1 to 255 printable ASCII characters';
  throw ProblemException.badRequest(`${message}.`, [{ field: 'Idempotency-Key', messages: [message] }]);
}

/**
 * What makes two requests "the same": method, path and the body as RFC 8785 canonical JSON, so that key order and
 * whitespace do not count. The path in lower case, as its ids are UUIDs, which name the same thing in any case
 * (writes take no query; see NoQueryParameters).
 */
export function requestFingerprint(request: FastifyRequest): string {
  let body: string;
  try {
    body = canonicalize(request.body ?? null) ?? 'null';
  } catch {
    // Lone surrogates have no canonical form (RFC 8785 needs I-JSON).
    throw ProblemException.badRequest('The body is not I-JSON (RFC 7493), so it cannot be used with an Idempotency-Key.');
  }
  return createHash('sha256').update(`${request.method} ${pathOf(request.url).toLowerCase()}\n${body}`).digest('base64url');
}
