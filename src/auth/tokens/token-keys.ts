import { Inject, Injectable } from '@nestjs/common';
import jwksRsa from 'jwks-rsa';
import { decodeProtectedHeader } from 'jose';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { loadOrCreateDevSigningKey } from './dev-signing-key.js';

export class TokenRejected extends Error {}

// RFC 8725 §3.10: keys named by the token itself are an attacker's choice; we only trust our configured JWKS.
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/**
 * Finds the public key that must have signed a token, from the identity provider's JWKS (cached; an unknown `kid`
 * triggers a refresh at a bounded rate, so the provider can rotate keys without a restart here).
 */
@Injectable()
export class TokenKeys {
  private readonly client: jwksRsa.JwksClient;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { jwksUrl, devSigningKeyPath } = config.auth;
    this.client = jwksRsa({
      jwksUri: jwksUrl ?? 'dev:local-signing-key',
      cache: true,
      cacheMaxEntries: 20,
      cacheMaxAge: 10 * 60_000,
      rateLimit: true,
      jwksRequestsPerMinute: 10,
      timeout: 5_000,
      // Without a provider, the dev key stands in for it through the same lookup.
      ...(jwksUrl ? {} : { fetcher: async () => ({ keys: [loadOrCreateDevSigningKey(devSigningKeyPath).publicJwk] }) }),
    });
  }

  async publicKeyFor(rawToken: string): Promise<string> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(rawToken);
    } catch {
      throw new TokenRejected('malformed header');
    }
    if (typeof header.alg !== 'string' || !this.config.auth.algorithms.includes(header.alg)) {
      throw new TokenRejected(`algorithm ${String(header.alg)} not allowed`);
    }
    const named = FORBIDDEN_HEADERS.filter((h) => h in header);
    if (named.length) throw new TokenRejected(`header ${named.join(', ')} not accepted`);
    if (typeof header.kid !== 'string' || header.kid === '') throw new TokenRejected('no kid');
    try {
      const key = await this.client.getSigningKey(header.kid);
      return key.getPublicKey();
    } catch (e) {
      throw new TokenRejected(`no key for kid: ${(e as Error).message}`);
    }
  }
}
