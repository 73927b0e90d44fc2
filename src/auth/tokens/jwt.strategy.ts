import { Inject, Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { isBlank, isStorableText } from '../../common/text.js';
import type { UserPrincipal } from '../principals.js';
import { TokenKeys, TokenRejected } from './token-keys.js';

const JWT_STRATEGY = 'jwt';

interface AccessTokenClaims {
  iss?: unknown;
  sub?: unknown;
  exp?: unknown;
  iat?: unknown;
  scope?: unknown;
  scp?: unknown;
  client_id?: unknown;
  azp?: unknown;
  typ?: unknown;
}

/** Keycloak marks its token kinds in a `typ` claim: these are never access tokens. */
const NOT_ACCESS_TOKENS = new Set(['id', 'refresh', 'logout']);
/** OIDC Core §2: `sub` is at most 255 ASCII characters; it is stored in every audit row and keys a rate limit. */
const MAX_IDENTIFIER_LENGTH = 255;
// C0 and C1 controls, line and paragraph separators, and bidirectional overrides (which make a log line lie).
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * `sub` and `client_id` are written to every audit row and to log lines as the token gave them: they must be text
 * PostgreSQL can store and a log reader can trust (no line breaks or other controls), else the token is refused.
 */
const isIdentifier = (value: string) => value.length <= MAX_IDENTIFIER_LENGTH && !CONTROL_CHARACTER.test(value) && isStorableText(value);

/** Scopes come as `scope` (space-separated, RFC 9068) or `scp` (array or string, Entra ID / Okta). */
export function scopesOf(claims: AccessTokenClaims): Set<string> {
  const raw = claims.scope ?? claims.scp;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return new Set(list.filter((s): s is string => typeof s === 'string' && s !== ''));
}

/**
 * Signature, algorithm, issuer, audience, expiry and not-before (with the leeway) are checked by jsonwebtoken, with
 * the key TokenKeys chose from the header; this adds what it does not: required claims, `iat` not in the future, a
 * bounded lifetime and the token kind.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, keys: TokenKeys) {
    const logger = new Logger('Tokens');
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (_req: unknown, rawJwt: string, done: (err: unknown, key?: string) => void) => {
        keys
          .publicKeyFor(rawJwt)
          .then(
            // A KeyObject parsed once per JWKS fetch; jsonwebtoken takes it as it is (the typings only say string).
            (key) => done(null, key as unknown as string),
            (err) => done(err),
          )
          // passport-jwt does not throw from its callback; if it ever did, this must not end the process.
          .catch((err: unknown) => logger.error({ err }, 'Token verification failed unexpectedly'));
      },
      algorithms: config.auth.algorithms as never,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: config.auth.clockSkewSeconds },
    });
  }

  validate(claims: AccessTokenClaims): UserPrincipal {
    const { maxTokenTtlSeconds, clockSkewSeconds } = this.config.auth;
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new TokenRejected('claims are not an object');
    if (typeof claims.sub !== 'string' || isBlank(claims.sub)) throw new TokenRejected('no sub');
    if (!isIdentifier(claims.sub)) throw new TokenRejected('sub too long, or not printable text');
    if (typeof claims.exp !== 'number') throw new TokenRejected('no exp');
    if (typeof claims.iat !== 'number') throw new TokenRejected('no iat');
    if (claims.iat > now + clockSkewSeconds) throw new TokenRejected('iat in the future');
    if (claims.exp - claims.iat > maxTokenTtlSeconds) throw new TokenRejected('lifetime above the maximum');
    if (typeof claims.typ === 'string' && NOT_ACCESS_TOKENS.has(claims.typ.toLowerCase())) {
      throw new TokenRejected(`typ claim ${claims.typ} is not an access token`);
    }
    const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : null;
    if (clientId !== null && !isIdentifier(clientId)) throw new TokenRejected('client_id too long, or not printable text');
    return { sub: claims.sub, issuer: String(claims.iss), clientId, scopes: scopesOf(claims) };
  }
}
