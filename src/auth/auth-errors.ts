import { ProblemException } from '../http/problem.js';

export const REALM = 'cqrs-reference';

/** One body for every API-key fault: telling "unknown" from "revoked" would help a thief test stolen keys. */
export function apiKeyRequired(): ProblemException {
  return new ProblemException({
    status: 401,
    detail: 'A valid API key is required in the X-API-Key header.',
    headers: { 'www-authenticate': `ApiKey realm="${REALM}", header="X-API-Key"` },
  });
}

export function bearerRequired(): ProblemException {
  return new ProblemException({
    status: 401,
    detail: 'This request needs a user access token: Authorization: Bearer <JWT>.',
    headers: { 'www-authenticate': `Bearer realm="${REALM}"` },
  });
}

/** The reason is logged by the caller; the client only learns that the token is not acceptable (RFC 6750 §3.1). */
export function invalidToken(): ProblemException {
  return new ProblemException({
    status: 401,
    detail: 'The access token is invalid, expired or not meant for this API.',
    headers: { 'www-authenticate': `Bearer realm="${REALM}", error="invalid_token"` },
  });
}

export function apiKeyCannotWrite(): ProblemException {
  return new ProblemException({
    status: 405,
    title: 'Method Not Allowed',
    detail:
      'API keys do not identify a user, so they cannot be used for writes. Send a user access token in Authorization: Bearer <JWT>.',
    headers: { allow: 'GET, HEAD, OPTIONS', 'www-authenticate': `Bearer realm="${REALM}"` },
  });
}

export function insufficientScope(scopes: readonly string[]): ProblemException {
  const needed = scopes.join(' ');
  return new ProblemException({
    status: 403,
    detail: `The access token lacks the scope ${needed}.`,
    headers: { 'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${needed}"` },
  });
}
