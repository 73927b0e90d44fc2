/**
 * A real OpenID Connect provider (oidc-provider v9) running inside the test
 * process, so end-to-end tests can obtain genuine JWT access tokens and prove
 * the API validates them by the book.
 *
 * Tokens come from the client_credentials grant with a resource indicator
 * (RFC 8707): `aud` is the configured audience, `sub` and `client_id` are the
 * client id, `scope` is the granted subset of the requested scopes, header is
 * `{ alg: 'RS256', typ: 'at+jwt', kid }` (RFC 9068).
 */
import { randomBytes } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import type { Configuration } from 'oidc-provider';

export type SigningJwk = JsonWebKey & JWK & { kid: string };

export interface TestIdentityProvider {
  /** e.g. http://127.0.0.1:<port> */
  issuer: string;
  /** The provider's JWKS endpoint URL (from discovery). */
  jwksUri: string;
  /** The resource indicator our API uses; becomes the token's `aud`. */
  audience: string;
  /** Real access token (JWT) from the provider via client_credentials + resource indicator. `sub` is the client id. */
  issueToken(opts: { clientId: string; scope: string }): Promise<string>;
  /**
   * Rotate the provider's signing key (new kid), keeping the old public key in the JWKS or not as requested.
   * `keepOld` defaults to true (graceful rotation: every previously published key stays published);
   * with `keepOld: false` the JWKS afterwards holds only the new key.
   */
  rotateSigningKey(opts?: { keepOld?: boolean }): Promise<void>;
  /** The provider's current private signing key as a JWK + kid, so tests can forge tampered tokens (e.g. edited payload, HS256 with the public key, jku header, lifetime too long). */
  signingKey(): { privateJwk: SigningJwk; publicJwk: SigningJwk };
  /** How many HTTP requests reached this path (e.g. `new URL(jwksUri).pathname`), to prove what a client fetched. */
  requestCount(pathname: string): number;
  close(): Promise<void>;
}

export interface StartIdentityProviderOptions {
  /** Default 'https://api.example.test'. */
  audience?: string;
  /** Default `products:write products:admin inventory:write audit:read api-keys:manage`. */
  scopes?: string[];
  /** Confidential client ids (client_secret_basic, client_credentials only). Default alice, bob, admin, reader. */
  clients?: string[];
  /** Access token lifetime, i.e. `exp - iat`. Default 600. */
  accessTokenTtlSeconds?: number;
}

export const DEFAULT_AUDIENCE = 'https://api.example.test';
export const DEFAULT_SCOPES: readonly string[] = [
  'products:write',
  'products:admin',
  'inventory:write',
  'audit:read',
  'api-keys:manage',
];
export const DEFAULT_CLIENTS: readonly string[] = ['alice', 'bob', 'admin', 'reader'];
const DEFAULT_TTL_SECONDS = 600;

interface KeyPair {
  privateJwk: SigningJwk;
  publicJwk: SigningJwk;
}

type OidcProviderModule = typeof import('oidc-provider');

// ---------------------------------------------------------------------------
// Quietness. oidc-provider prints "oidc-provider WARNING/NOTICE: ..." lines via
// console.warn/console.info: at import time on Node < 22 ("Unsupported
// runtime"), and for development defaults. The defaults are all replaced in
// the configuration below; the import-time one is filtered here, only while
// the module loads / a Provider is constructed, and only for lines that start
// with "oidc-provider ". Everything else passes through untouched.
// ---------------------------------------------------------------------------
let silenceDepth = 0;
let originalWarn: typeof console.warn | undefined;
let originalInfo: typeof console.info | undefined;

function isOidcNotice(args: unknown[]): boolean {
  return typeof args[0] === 'string' && /oidc-provider (WARNING|NOTICE):/.test(args[0]);
}

function silenceOidcNotices(): () => void {
  if (silenceDepth++ === 0) {
    const warn = console.warn;
    const info = console.info;
    originalWarn = warn;
    originalInfo = info;
    console.warn = (...args: unknown[]) => {
      if (!isOidcNotice(args)) warn.apply(console, args);
    };
    console.info = (...args: unknown[]) => {
      if (!isOidcNotice(args)) info.apply(console, args);
    };
  }
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (--silenceDepth === 0) {
      console.warn = originalWarn!;
      console.info = originalInfo!;
    }
  };
}

let oidcProviderModule: Promise<OidcProviderModule> | undefined;

function loadOidcProvider(): Promise<OidcProviderModule> {
  if (!oidcProviderModule) {
    const restore = silenceOidcNotices();
    oidcProviderModule = import('oidc-provider').finally(restore);
  }
  return oidcProviderModule;
}

// ---------------------------------------------------------------------------
// A tiny in-memory storage adapter (the built-in one prints a "development
// only" warning). JWT access tokens are not stored at all; this only backs
// whatever else the provider may persist during client_credentials.
// ---------------------------------------------------------------------------
type AdapterPayload = Record<string, unknown> & { uid?: string; userCode?: string; grantId?: string };

function createAdapterFactory(): (model: string) => object {
  const store = new Map<string, AdapterPayload>();
  return (model: string) => {
    const key = (id: string) => `${model}:${id}`;
    const findBy = (field: 'uid' | 'userCode', value: string) => {
      for (const [k, payload] of store) {
        if (k.startsWith(`${model}:`) && payload[field] === value) return payload;
      }
      return undefined;
    };
    return {
      async upsert(id: string, payload: AdapterPayload) {
        store.set(key(id), payload);
      },
      async find(id: string) {
        return store.get(key(id));
      },
      async findByUid(uid: string) {
        return findBy('uid', uid);
      },
      async findByUserCode(userCode: string) {
        return findBy('userCode', userCode);
      },
      async consume(id: string) {
        const payload = store.get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id: string) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId: string) {
        for (const [k, payload] of store) {
          if (payload.grantId === grantId) store.delete(k);
        }
      },
    };
  };
}

async function generateSigningKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const common = { kid, alg: 'RS256', use: 'sig' } as const;
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...common },
    publicJwk: { ...publicJwk, ...common },
  };
}

function sameResource(a: string, b: string): boolean {
  return a === b || URL.parse(a)?.href === URL.parse(b)?.href;
}

export async function startIdentityProvider(
  opts: StartIdentityProviderOptions = {},
): Promise<TestIdentityProvider> {
  const audience = opts.audience ?? DEFAULT_AUDIENCE;
  const scopes = [...(opts.scopes ?? DEFAULT_SCOPES)];
  const clientIds = [...(opts.clients ?? DEFAULT_CLIENTS)];
  const accessTokenTTL = opts.accessTokenTtlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isSafeInteger(accessTokenTTL) || accessTokenTTL <= 0) {
    throw new TypeError(`accessTokenTtlSeconds must be a positive integer, got ${accessTokenTTL}`);
  }
  const scope = scopes.join(' ');

  const { Provider: ProviderClass, errors } = await loadOidcProvider();

  const clientSecrets = new Map(clientIds.map((id) => [id, randomBytes(24).toString('base64url')]));
  const adapter = createAdapterFactory();
  const cookieKeys = [randomBytes(32).toString('base64url')];

  let current: KeyPair = await generateSigningKeyPair();
  // Keys published in the JWKS; index 0 is the one that signs.
  let published: KeyPair[] = [current];

  let handler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  let lastServerError: unknown;
  const requestsByPath = new Map<string, number>();

  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://idp').pathname;
    requestsByPath.set(pathname, (requestsByPath.get(pathname) ?? 0) + 1);
    if (!handler) {
      res.statusCode = 503;
      res.end('identity provider not ready');
      return;
    }
    void handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const configuration = (): Configuration => ({
    clients: clientIds.map((clientId) => ({
      client_id: clientId,
      client_secret: clientSecrets.get(clientId),
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope,
    })),
    scopes: ['openid', 'offline_access', ...scopes],
    jwks: { keys: published.map((k) => k.privateJwk) },
    adapter,
    cookies: { keys: cookieKeys },
    clientBasedCORS: () => true,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // A token request without `resource` still targets our API.
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string | string[]) => oneOf ?? audience,
        // Only relevant for authorization_code/refresh_token, which no client may use.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resourceIndicator: string) => {
          if (!sameResource(resourceIndicator, audience)) {
            throw new errors.InvalidTarget!(`unknown resource indicator ${resourceIndicator}`);
          }
          return {
            scope,
            audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL,
            jwt: { sign: { alg: 'RS256', kid: current.privateJwk.kid } },
          };
        },
      },
    },
    ttl: {
      AccessToken: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
      ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
    },
  });

  // oidc-provider's keystore is fixed at construction, so key rotation builds a
  // fresh Provider behind the same HTTP server. Clients are static config.
  const mountProvider = () => {
    const restore = silenceOidcNotices();
    try {
      const next = new ProviderClass(issuer, configuration());
      next.on('server_error', (_ctx: unknown, err: unknown) => {
        lastServerError = err;
      });
      handler = next.callback();
    } finally {
      restore();
    }
  };

  try {
    mountProvider();
  } catch (err) {
    server.close();
    throw err;
  }

  let discovery: { token_endpoint: string; jwks_uri: string; issuer: string };
  try {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, {
      headers: { accept: 'application/json' },
    });
    if (!res.ok) {
      throw new Error(`OIDC discovery failed: HTTP ${res.status} ${await res.text()}`);
    }
    discovery = (await res.json()) as typeof discovery;
    if (discovery.issuer !== issuer) {
      throw new Error(`OIDC discovery returned issuer ${discovery.issuer}, expected ${issuer}`);
    }
  } catch (err) {
    server.closeAllConnections();
    server.close();
    throw err;
  }

  let closed = false;

  return {
    issuer,
    jwksUri: discovery.jwks_uri,
    audience,

    async issueToken({ clientId, scope: requestedScope }) {
      if (closed) throw new Error('identity provider is closed');
      const secret = clientSecrets.get(clientId) ?? 'unknown-client';
      const basic = Buffer.from(
        `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`,
      ).toString('base64');
      lastServerError = undefined;
      const res = await fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          resource: audience,
          scope: requestedScope,
        }),
      });
      const text = await res.text();
      let body: { access_token?: unknown } | undefined;
      try {
        body = JSON.parse(text) as { access_token?: unknown };
      } catch {
        body = undefined;
      }
      if (!res.ok || typeof body?.access_token !== 'string') {
        const cause = lastServerError instanceof Error ? ` (server error: ${lastServerError.stack ?? lastServerError.message})` : '';
        throw new Error(
          `token request for client "${clientId}" scope "${requestedScope}" failed: HTTP ${res.status} ${text}${cause}`,
        );
      }
      return body.access_token;
    },

    async rotateSigningKey({ keepOld = true } = {}) {
      if (closed) throw new Error('identity provider is closed');
      const next = await generateSigningKeyPair();
      const previous = { current, published };
      current = next;
      published = keepOld ? [next, ...published] : [next];
      try {
        mountProvider();
      } catch (err) {
        ({ current, published } = previous);
        throw err;
      }
    },

    signingKey() {
      return {
        privateJwk: structuredClone(current.privateJwk),
        publicJwk: structuredClone(current.publicJwk),
      };
    },

    requestCount(pathname) {
      return requestsByPath.get(pathname) ?? 0;
    },

    async close() {
      if (closed) return;
      closed = true;
      handler = undefined;
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
