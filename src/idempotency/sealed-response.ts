import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { IdempotencyKeyRef } from './idempotency-scope.js';

/** A stored first response, replayed as it was. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  /** The exact text first sent, or null for an empty body. */
  body: string | null;
}

/** The table keeps a digest of the key, never the key itself. */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/**
 * Responses may hold secrets shown once (a new API key's plaintext), so they are stored encrypted with a key derived
 * from the Idempotency-Key, which only the client has: the table alone gives away neither. (A client that uses
 * guessable keys weakens this; the docs ask for random ones.)
 */
function contentKey(ref: IdempotencyKeyRef): Buffer {
  return Buffer.from(hkdfSync('sha256', ref.key, `${ref.issuer}\n${ref.subject}`, 'idempotency-response', 32));
}

export function sealResponse(ref: IdempotencyKeyRef, response: StoredResponse): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', contentKey(ref), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(response), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

export function openResponse(ref: IdempotencyKeyRef, sealed: Buffer): StoredResponse {
  const decipher = createDecipheriv('aes-256-gcm', contentKey(ref), sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8'));
}
