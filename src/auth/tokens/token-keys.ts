import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import jwksRsa from 'jwks-rsa';
import { decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { loadOrCreateDevSigningKey } from './dev-signing-key.js';
import { JwksKeySet } from './jwks-key-set.js';
import { discoverJwksUri } from './oidc-discovery.js';

export class TokenRejected extends Error {}

// RFC 8725 §3.10: keys named by the token itself are the attacker's choice; only the configured JWKS is trusted.
// `zip` and `enc` belong to encrypted tokens (RFC 7516): a signed token that carries them is not one we issue.
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'zip', 'enc'] as const;
/**
 * RFC 9068 §4 asks for `typ: at+jwt`, but Auth0, Entra ID and Keycloak still send `JWT` or nothing, so those pass.
 * Any other declared type (`logout+jwt`, `dpop+jwt`, `secevent+jwt`...) says the token was made for something else.
 */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'jwt']);
const JWKS_MAX_AGE_MS = 10 * 60_000;

/** RFC 7515 §4.1.9: `application/` may be left out of `typ`, and media types compare case-insensitively. */
function mediaType(typ: string): string {
  const t = typ.toLowerCase();
  return t.startsWith('application/') ? t.slice('application/'.length) : t;
}

/**
 * Finds the public key that must have signed a token, after checking its header: an allowed asymmetric algorithm,
 * a `kid`, no key or key URL of its own, no `crit` extension (we understand none), an access-token `typ`.
 */
@Injectable()
export class TokenKeys {
  private readonly logger = new Logger('Tokens');
  private readonly keySet: JwksKeySet;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const fetchKeys = this.keySource();
    this.keySet = new JwksKeySet({
      fetch: fetchKeys,
      minRefreshMs: config.auth.jwksMinRefreshSeconds * 1000,
      maxAgeMs: JWKS_MAX_AGE_MS,
      onRefreshError: (e) => this.logger.warn({ reason: e.message }, 'Could not fetch the identity provider keys (JWKS)'),
    });
  }

  async publicKeyFor(rawToken: string): Promise<KeyObject> {
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(rawToken);
    } catch {
      throw new TokenRejected('malformed header');
    }
    if (typeof header.alg !== 'string' || !this.config.auth.algorithms.includes(header.alg)) {
      throw new TokenRejected(`algorithm ${String(header.alg).slice(0, 20)} not allowed`);
    }
    const named = FORBIDDEN_HEADERS.filter((h) => h in header);
    if (named.length) throw new TokenRejected(`header ${named.join(', ')} not accepted`);
    if ('crit' in header) throw new TokenRejected('header crit not understood');
    if (header.typ !== undefined && (typeof header.typ !== 'string' || !ACCESS_TOKEN_TYPES.has(mediaType(header.typ)))) {
      throw new TokenRejected(`typ ${String(header.typ).slice(0, 40)} is not an access token`);
    }
    const { kid } = header;
    if (typeof kid !== 'string' || kid === '') throw new TokenRejected('no kid');
    const found = await this.keySet.find(kid);
    if (!found) throw new TokenRejected(`no key for kid ${kid.slice(0, 64)}`);
    if (found.alg && found.alg !== header.alg) throw new TokenRejected(`key ${found.kid} is for ${found.alg}, not ${header.alg}`);
    return found.key;
  }

  /** AUTH_JWKS_URL, discovery from AUTH_ISSUER (resolved on first use, so start-up never waits for the provider), or the dev key. */
  private keySource(): () => Promise<jwksRsa.SigningKey[]> {
    const { keySource, jwksUrl, issuer, devSigningKeyPath } = this.config.auth;
    const client = (jwksUri: string, fetcher?: jwksRsa.Options['fetcher']) =>
      jwksRsa({ jwksUri, cache: false, rateLimit: false, timeout: 5_000, ...(fetcher ? { fetcher } : {}) });
    switch (keySource) {
      case 'jwks-url': {
        const c = client(jwksUrl!);
        return () => c.getSigningKeys();
      }
      case 'discovery': {
        let discovered: Promise<jwksRsa.JwksClient> | undefined;
        return async () => {
          discovered ??= discoverJwksUri(issuer).then((uri) => {
            this.logger.log({ issuer, jwksUri: uri }, 'Identity provider keys found through OIDC discovery');
            return client(uri);
          });
          // A failed discovery is tried again at the next (rate-bounded) refresh.
          discovered.catch(() => (discovered = undefined));
          return (await discovered).getSigningKeys();
        };
      }
      case 'dev-key': {
        const c = client('dev:local-signing-key', async () => ({ keys: [loadOrCreateDevSigningKey(devSigningKeyPath).publicJwk] }));
        return () => c.getSigningKeys();
      }
    }
  }
}
