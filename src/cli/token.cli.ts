import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { loadConfig } from '../config/app-config.js';
import { loadOrCreateDevSigningKey } from '../auth/tokens/dev-signing-key.js';
import { Scope } from '../auth/scopes.js';
import { characterLength, isBlank } from '../common/text.js';
import { fail, parseArgs } from './cli-context.js';

const USAGE = 'Usage: npm run token -- --sub <user> --scope "<scopes>" [--ttl <seconds, default 900>]';
const KNOWN_SCOPES = new Set<string>(Object.values(Scope));

/** Mints what an identity provider would, signed by the local dev key: for development only. */
async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production') fail('npm run token is for development: it refuses to run with NODE_ENV=production.');
  const config = loadConfig();
  if (config.auth.keySource !== 'dev-key') console.error('Note: AUTH_JWKS_URL or AUTH_OIDC_DISCOVERY is set, so a server with this environment takes keys from the identity provider, not dev tokens.');
  const { flags } = parseArgs(process.argv.slice(2), { sub: 'string', scope: 'string', ttl: 'string' }, USAGE);
  const sub = flags.sub;
  if (!sub) fail(USAGE);
  if (isBlank(sub) || characterLength(sub) > 255) console.error('Warning: the server refuses a sub that is blank or longer than 255 characters.');
  const scope = flags.scope ?? '';
  if (isBlank(scope)) console.error('Warning: no --scope: this token can read where a token is optional, and write nothing.');
  const unknown = scope.split(' ').filter((s) => s !== '' && !KNOWN_SCOPES.has(s));
  if (unknown.length) console.error(`Warning: this API knows no scope ${unknown.join(', ')} (it knows ${[...KNOWN_SCOPES].join(', ')}).`);
  const ttl = flags.ttl === undefined ? 900 : Number(flags.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl must be a positive whole number of seconds.');
  if (ttl > config.auth.maxTokenTtlSeconds) {
    console.error(`Warning: --ttl ${ttl} is above AUTH_MAX_TOKEN_TTL_SECONDS (${config.auth.maxTokenTtlSeconds}); the server will refuse it.`);
  }
  const key = loadOrCreateDevSigningKey(config.auth.devSigningKeyPath);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ scope, client_id: 'dev-cli' })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(config.auth.issuer)
    .setAudience(config.auth.audience)
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .setJti(randomUUID())
    .sign(key.privateKey);
  console.log(token);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
