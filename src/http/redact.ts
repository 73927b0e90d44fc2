import { redactApiKeys } from '../auth/api-keys/api-key-format.js';

// Credentials sent where they do not belong (a URL, a field name) are refused, but they were sent: whatever echoes
// the request (an access log, a problem's detail or field names) masks them first.
const CREDENTIAL_PARAM = /([?&](?:access_token|id_token|refresh_token|token|password|secret|client_secret)=)[^&#]*/gi;
const JWT_LIKE = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;

/** API keys masked to their id, JWT-shaped strings redacted. */
export function redactSecrets(text: string): string {
  return redactApiKeys(text.replace(JWT_LIKE, '[redacted-jwt]'));
}

/** A URL as it may be logged: credential-named query values redacted too. */
export function redactUrl(url: string): string {
  // Every access-log line passes here: most URLs have nothing to redact.
  if (!url.includes('?') && !url.includes('eyJ') && !url.includes('cqrsk_')) return url;
  return redactSecrets(url.replace(CREDENTIAL_PARAM, '$1[redacted]'));
}
