/**
 * API key format — pure functions, no Nest, no DB.
 *
 * Layout (61 ASCII chars, fixed length):
 *
 *   cqrsk_<keyId>_<secret><checksum>
 *   │     │       │       └─ 6  base62: CRC32 of everything before it, zero-padded
 *   │     │       └───────── 32 base62: the secret (~190.5 bits of entropy)
 *   │     └───────────────── 16 base62: public key id (~95 bits), stored in plaintext as the lookup id
 *   └─────────────────────── fixed prefix, so secret scanners can match keys without false positives
 *
 * Base62 alphabet is 0-9A-Za-z. The alphabet, prefix and lengths are part of the persisted
 * format: changing any of them invalidates every issued key.
 *
 * The checksum is not a security control (anyone can compute it); it lets scanners and
 * `parseApiKey` reject typos and random strings offline, before any DB lookup.
 */
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const API_KEY_PREFIX = 'cqrsk_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_ID_LENGTH = 16;
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6; // 62^6 ≈ 5.7e10 > 2^32, so any CRC32 fits
const SEPARATOR = '_';

export const API_KEY_LENGTH =
  API_KEY_PREFIX.length + KEY_ID_LENGTH + SEPARATOR.length + SECRET_LENGTH + CHECKSUM_LENGTH;

/**
 * Anchored: validates a whole string. Secret scanners should use the same body with word
 * boundaries instead of anchors: `\bcqrsk_[0-9A-Za-z]{16}_[0-9A-Za-z]{38}\b`.
 * Secret and checksum are contiguous (38 chars), as in GitHub tokens.
 */
export const API_KEY_PATTERN = /^cqrsk_[0-9A-Za-z]{16}_[0-9A-Za-z]{38}$/;

const KEY_ID_PATTERN = /^[0-9A-Za-z]{16}$/;

export interface GeneratedApiKey {
  keyId: string;
  /** Shown to the user exactly once; never stored. */
  plaintext: string;
  secret: string;
}

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

// 248 = 4 * 62: bytes >= 248 are rejected so `byte % 62` is uniform (no modulo bias).
const REJECTION_LIMIT = 256 - (256 % BASE62.length);

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // Over-draw slightly: ~3% of bytes are rejected, so one batch almost always suffices.
    const bytes = randomBytes(length + 8);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i]!;
      if (b < REJECTION_LIMIT) out += BASE62[b % BASE62.length];
    }
  }
  return out;
}

function encodeBase62Fixed(value: number, width: number): string {
  let out = '';
  let n = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

// zlib.crc32 exists since Node 20.15.0 (and 22.2.0); package.json requires >=20.19.0,
// so no hand-rolled table is needed. Input is always ASCII, so string vs. bytes agree.
function checksumOf(body: string): string {
  return encodeBase62Fixed(crc32(body) >>> 0, CHECKSUM_LENGTH);
}

export function generateApiKey(): GeneratedApiKey {
  const keyId = randomBase62(KEY_ID_LENGTH);
  const secret = randomBase62(SECRET_LENGTH);
  return { keyId, secret, plaintext: formatApiKey(keyId, secret) };
}

/** The well-formed plaintext (with its checksum) of a key id and secret. */
export function formatApiKey(keyId: string, secret: string): string {
  const body = `${API_KEY_PREFIX}${keyId}${SEPARATOR}${secret}`;
  return body + checksumOf(body);
}

/**
 * Returns null for anything that is not a well-formed key with a valid checksum. Never throws
 * and does O(1) work on hostile input: the length check runs before any regex or hashing.
 */
export function parseApiKey(candidate: unknown): ParsedApiKey | null {
  if (typeof candidate !== 'string' || candidate.length !== API_KEY_LENGTH) return null;
  if (!API_KEY_PATTERN.test(candidate)) return null;

  const checksumStart = API_KEY_LENGTH - CHECKSUM_LENGTH;
  const body = candidate.slice(0, checksumStart);
  // Checksum is public, so a plain (non-constant-time) comparison leaks nothing.
  if (checksumOf(body) !== candidate.slice(checksumStart)) return null;

  const keyIdStart = API_KEY_PREFIX.length;
  const secretStart = keyIdStart + KEY_ID_LENGTH + SEPARATOR.length;
  return {
    keyId: candidate.slice(keyIdStart, keyIdStart + KEY_ID_LENGTH),
    secret: candidate.slice(secretStart, checksumStart),
  };
}

/**
 * HMAC-SHA256(pepper, secret), hex. A fast keyed hash is appropriate here (unlike passwords)
 * because secrets are ~190-bit random values: brute force is infeasible without a slow KDF,
 * and per-request verification stays cheap. The pepper lives outside the DB, so a DB dump
 * alone cannot even be used to test candidate secrets.
 */
export function hashApiKeySecret(secret: string, pepper: string): string {
  // Fail loudly on a missing pepper rather than silently storing weaker hashes.
  if (typeof pepper !== 'string' || pepper.length === 0) {
    throw new TypeError('API key pepper must be a non-empty string');
  }
  return createHmac('sha256', pepper).update(secret, 'utf8').digest('hex');
}

export function verifyApiKeySecret(secret: string, expectedHash: string, pepper: string): boolean {
  if (typeof secret !== 'string' || typeof expectedHash !== 'string') return false;
  const actual = Buffer.from(hashApiKeySecret(secret, pepper), 'utf8');
  const expected = Buffer.from(expectedHash, 'utf8');
  // timingSafeEqual throws on unequal lengths; a length mismatch is just "no match".
  if (actual.length !== expected.length) return false;
  return timingSafeEqual(actual, expected);
}

/**
 * A name for a whole presented key (id and secret), to key in-process maps by: a secret is never kept, and only the
 * holder of the secret can produce the name. One-shot hashing: no Hash object per call, on a path every read takes.
 */
export function apiKeyFingerprint(rawKey: string): string {
  return hash('sha256', rawKey, 'base64url');
}

/**
 * 'cqrsk_<keyId>_…' for logs and UI. Accepts a key id or a (possibly mistyped) plaintext key;
 * only the key id is ever echoed, so malformed input is masked instead of leaked.
 */
export function maskApiKey(keyIdOrPlaintext: string): string {
  let keyId: string | null = null;
  if (typeof keyIdOrPlaintext === 'string') {
    if (KEY_ID_PATTERN.test(keyIdOrPlaintext)) {
      keyId = keyIdOrPlaintext;
    } else if (keyIdOrPlaintext.startsWith(API_KEY_PREFIX)) {
      const start = API_KEY_PREFIX.length;
      const candidateId = keyIdOrPlaintext.slice(start, start + KEY_ID_LENGTH);
      // Require the separator too, so a prefix+secret-looking blob is not echoed.
      if (
        KEY_ID_PATTERN.test(candidateId) &&
        keyIdOrPlaintext.charAt(start + KEY_ID_LENGTH) === SEPARATOR
      ) {
        keyId = candidateId;
      }
    }
  }
  return keyId === null ? `${API_KEY_PREFIX}…` : `${API_KEY_PREFIX}${keyId}${SEPARATOR}…`;
}

// Anything that starts like a key, well-formed or not: a mistyped key is still mostly secret.
const KEY_LIKE_IN_TEXT = /cqrsk_[0-9A-Za-z_]+/g;

/** `text` (a URL, say) with every key-like run masked: a client that puts its key in a URL must not get it logged. */
export function redactApiKeys(text: string): string {
  return text.replace(KEY_LIKE_IN_TEXT, (k) => maskApiKey(k));
}
