import { generateKeyPairSync, createPrivateKey, createPublicKey, randomUUID, type KeyObject, type JsonWebKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DevSigningKey {
  kid: string;
  alg: 'ES256';
  privateKey: KeyObject;
  publicJwk: JsonWebKey & { kid: string; alg: string; use: string };
}

/**
 * The development stand-in for an identity provider's key: made once under the data dir (mode 0600) so that
 * `npm run token` and the dev server agree. Never used when AUTH_JWKS_URL is set.
 */
export function loadOrCreateDevSigningKey(path: string): DevSigningKey {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `dev-${randomUUID()}` };
    try {
      writeFileSync(path, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      // Another process made it first: use theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const jwk = JSON.parse(readFileSync(path, 'utf8')) as JsonWebKey & { kid: string };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  return { kid: jwk.kid, alg: 'ES256', privateKey, publicJwk: { kty, crv, x, y, kid: jwk.kid, alg: 'ES256', use: 'sig' } };
}
