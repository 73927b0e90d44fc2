import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { redactSecrets } from './redact.js';

export const REQUEST_ID_HEADER = 'x-request-id';

// A caller's id is kept only when it cannot smuggle anything into logs or headers: nor a credential (an API key or a
// token pasted there would be echoed, logged and stored in the audit trail for good).
const WELL_FORMED = /^[A-Za-z0-9._:\-]{1,128}$/;

export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && WELL_FORMED.test(given) && redactSecrets(given) === given ? given : randomUUID();
}
