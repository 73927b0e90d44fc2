import { ProblemException } from '../http/problem.js';

export const REALM = 'cqrs-reference';

/**
 * One body for every API-key fault: telling "unknown" from "revoked" would help a thief test stolen keys. On a read
 * the challenge names the key; on a write it names what a write really needs, a user token (the contract's rule).
 */
export function apiKeyRequired(on: 'read' | 'write' = 'read'): ProblemException {
  return new ProblemException({
    status: 401,
    detail: 'A valid API key is required in the X-API-Key header.',
    headers: { 'www-authenticate': on === 'read' ? `ApiKey realm="${REALM}", header="X-API-Key"` : `Bearer realm="${REALM}"` },
  });
}

export function bearerRequired(): ProblemException {
  return new ProblemException({
    status: 401,
    detail: 'This request needs a user access token: Authorization: Bearer <JWT>.',
    headers: { 'www-authenticate': `Bearer realm="${REALM}"` },
  });
}

/**
 * The reason is logged by the caller; the client only learns that the token is not acceptable (RFC 6750 §3.1).
 * `error` comes first, as the contract quotes the challenge; auth-param order carries no meaning.
 */
export function invalidToken(): ProblemException {
  return new ProblemException({
    status: 401,
    detail: 'The access token is invalid, expired or not meant for this API.',
    headers: { 'www-authenticate': `Bearer error="invalid_token", realm="${REALM}"` },
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
    headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${needed}", realm="${REALM}"` },
  });
}
