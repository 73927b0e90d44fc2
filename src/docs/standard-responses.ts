import type { OpenAPIObject, OperationObject, ResponseObject, SecurityRequirementObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT, PROBLEM_SCHEMA } from '../http/api-problems.js';

type Headers = NonNullable<ResponseObject['headers']>;

const REQUEST_ID: Headers = {
  'X-Request-Id': { description: "The request's id (the caller's own when well-formed); also in problem bodies", schema: { type: 'string' } },
};
const BEARER_CHALLENGE: Headers = {
  'WWW-Authenticate': { description: 'Bearer challenge (RFC 6750), with error and scope where they apply', schema: { type: 'string' } },
};
const RATE_LIMIT: Headers = {
  'RateLimit-Policy': { description: 'The policy, quota and window (draft-ietf-httpapi-ratelimit-headers)', schema: { type: 'string' } },
  RateLimit: { description: 'The policy, remaining quota and seconds left', schema: { type: 'string' } },
};
const RATE_LIMITED: Headers = { 'Retry-After': { description: 'Seconds until the window ends', schema: { type: 'integer' } }, ...RATE_LIMIT };
const string = (description: string) => ({ description, schema: { type: 'string' } });
/** What HttpCachingInterceptor puts on every successful read. */
const READ_VALIDATORS: Headers = {
  ETag: string('Strong validator of this answer: send it back in If-None-Match'),
  'Cache-Control': string('`private, max-age=N` by default (CACHE_CONTROL); `no-store` where the answer holds credentials'),
  Vary: string('X-API-Key (and Authorization where a token is needed)'),
};
const IF_NONE_MATCH = {
  name: 'If-None-Match',
  in: 'header' as const,
  required: false,
  description: 'ETags from earlier answers (W/ and lists accepted), or *: a match is a 304 without a body',
  schema: { type: 'string' },
};

interface Standard {
  description: string;
  headers?: Headers;
}

const STANDARD: Record<string, Standard> = {
  '400': { description: 'Malformed id, invalid body or query; `errors` lists the offending fields' },
  '401': { description: 'No credentials, or an unknown, revoked or expired API key, or an invalid token' },
  '403': { description: 'The token lacks a needed scope (`error="insufficient_scope"`), or may not act on this object', headers: BEARER_CHALLENGE },
  '405': {
    description: 'An API key without a bearer token: API keys do not identify a user, so they cannot write (`Allow: GET, HEAD, OPTIONS`)',
    headers: { Allow: { description: 'The methods an API key may use', schema: { type: 'string' } }, ...BEARER_CHALLENGE },
  },
  '413': { description: 'The body is larger than the server accepts' },
  '415': { description: 'The body is not application/json' },
  '429': { description: 'The rate limit of the key (reads), the user (writes) or the address (failed credentials) is spent', headers: RATE_LIMITED },
};

const WRITES = new Set(['post', 'put', 'patch', 'delete']);

/** The problem answers an operation can give whatever its own code does, from its kind (read or write, credentials). */
function standardStatuses(method: string, operation: OperationObject): string[] {
  const schemes = new Set((operation.security ?? []).flatMap((r) => Object.keys(r)));
  if (schemes.size === 0) return [];
  const statuses = ['401', '429'];
  if (schemes.has('user-token')) statuses.push('403');
  if (WRITES.has(method)) {
    statuses.push('403', '405');
    if (operation.requestBody) statuses.push('400', '413', '415');
  }
  // Path ids and query parameters are validated too: a malformed one is a 400 with the offending field.
  const params = (operation.parameters ?? []) as { in?: string }[];
  if (params.some((p) => p.in === 'path' || p.in === 'query')) statuses.push('400');
  return [...new Set(statuses)];
}

/**
 * Every scheme an operation lists is needed together in this API (an API key and a token for the audit trail), so
 * the requirement objects are merged into one. An operation that lists one requirement inside another (a scheme
 * that may come along) keeps its alternatives.
 */
function mergeSecurity(security: SecurityRequirementObject[] | undefined): SecurityRequirementObject[] | undefined {
  if (!security || security.length < 2) return security;
  const names = security.map((r) => Object.keys(r));
  const optional = names.some((a, i) => names.some((b, j) => i !== j && a.every((n) => b.includes(n))));
  return optional ? security : [Object.assign({}, ...security)];
}

/** Every authenticated read is conditional (HttpCachingInterceptor): its validators, If-None-Match and the 304. */
function documentConditionalRead(operation: OperationObject, responses: Record<string, ResponseObject>): void {
  const parameters = (operation.parameters ?? []) as { name?: string; in?: string }[];
  if (!parameters.some((p) => p.in === 'header' && p.name === IF_NONE_MATCH.name)) operation.parameters = [...parameters, IF_NONE_MATCH] as never;
  if (responses['200']) responses['200'].headers = { ...READ_VALIDATORS, ...responses['200'].headers };
  responses['304'] = { description: 'Not modified: the ETag matches; no body, the same ETag, Cache-Control and Vary', headers: READ_VALIDATORS };
}

/**
 * Post-processes the document in one place: merged security, the standard problem answers by kind of operation
 * (with their headers), conditional reads, rate-limit headers on every authenticated answer, path ids as UUIDs, one
 * shared `Problem` schema for every error body, and `X-Request-Id` on every answer.
 */
export function documentStandardResponses(document: OpenAPIObject): void {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Problem: PROBLEM_SCHEMA as never } };
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item) as [string, OperationObject][]) {
      if (!['get', 'head', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operation.security = mergeSecurity(operation.security);
      const responses = operation.responses as Record<string, ResponseObject>;
      const authenticated = (operation.security ?? []).length > 0;
      if (authenticated && method === 'get') documentConditionalRead(operation, responses);
      for (const p of (operation.parameters ?? []) as { in?: string; schema?: Record<string, unknown> }[]) {
        // Every path parameter of this API is an id (UuidParam: anything else is a 400).
        if (p.in === 'path') p.schema = { ...p.schema, type: 'string', format: 'uuid' };
      }
      const challenged = (operation.security ?? []).some((r) => 'user-token' in r);
      for (const status of standardStatuses(method, operation)) {
        const standard = STANDARD[status];
        const declared = responses[status];
        responses[status] = {
          ...declared,
          description: declared?.description || standard.description,
          // A 401 challenges for a bearer token only where one is wanted.
          headers: { ...(status === '401' && challenged ? BEARER_CHALLENGE : {}), ...standard.headers, ...declared?.headers },
        };
      }
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400) response.content = PROBLEM_CONTENT;
        else if (authenticated) response.headers = { ...RATE_LIMIT, ...response.headers };
        response.headers = { ...REQUEST_ID, ...response.headers };
      }
    }
  }
}
