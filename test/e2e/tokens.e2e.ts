import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, decodeJwt, exportJWK, importJWK, type JWTPayload } from 'jose';
import { startIdentityProvider, type TestIdentityProvider } from '../support/identity-provider.js';
import { apiKey, bearer, startTestApp, unique, type HttpResult, type TestApp } from '../support/test-app.js';
import { newProduct } from '../support/products.js';

const PROBLEM = 'application/problem+json; charset=utf-8';
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function assertInvalidToken(res: HttpResult, label: string): void {
  assert.equal(res.status, 401, `${label}: status`);
  assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token", realm="[^"]+"$/, `${label}: challenge`);
  assert.equal(res.headers.get('content-type'), PROBLEM, `${label}: problem body`);
}

/** Signs any header and payload text with the provider's RSA key: a genuine RS256 signature over whatever we like. */
function signRaw(idp: TestIdentityProvider, headerJson: string, payloadJson: string): string {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  const key = createPrivateKey({ key: idp.signingKey().privateJwk as never, format: 'jwk' });
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

interface SignOptions {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  alg?: string;
  /** Another signing key than the provider's (an attacker's). */
  key?: KeyObject;
}

/**
 * A token shaped like the provider's and signed with its current key (or `key`): `claims` and `header` override the
 * defaults, and undefined removes one.
 */
async function signToken(idp: TestIdentityProvider, opts: SignOptions = {}): Promise<string> {
  const alg = opts.alg ?? 'RS256';
  const { privateJwk } = idp.signingKey();
  const t0 = now();
  const claims: Record<string, unknown> = {
    iss: idp.issuer,
    aud: idp.audience,
    sub: unique('user'),
    client_id: 'alice',
    scope: 'products:write',
    iat: t0,
    exp: t0 + 300,
    jti: unique('jti'),
    ...opts.claims,
  };
  const header: Record<string, unknown> = { alg, typ: 'at+jwt', kid: privateJwk.kid, ...opts.header };
  for (const o of [claims, header]) for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return new SignJWT(claims).setProtectedHeader(header as never).sign(opts.key ?? (await importJWK({ ...privateJwk, alg }, alg)));
}

/** A local HTTP server that answers with `body` and counts what reached it. */
async function recorder(body: (url: string) => unknown = () => ({ keys: [] })): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body(req.url ?? '')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('user tokens: every rule of RFC 8725 / RFC 9068, against a real OpenID Connect provider', () => {
  let idp: TestIdentityProvider;
  let other: TestIdentityProvider;
  let t: TestApp;
  let key: string;
  /** The claims of a real provider token: forged tokens start from them and change one thing. */
  let real: JWTPayload;

  before(async () => {
    idp = await startIdentityProvider();
    other = await startIdentityProvider({ audience: 'https://other-api.example.test' });
    t = await startTestApp({ AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: idp.audience, AUTH_JWKS_URL: idp.jwksUri, AUTH_ALGORITHMS: 'RS256' });
    ({ key } = await t.createApiKey());
    real = decodeJwt(await idp.issueToken({ clientId: 'alice', scope: 'products:write' }));
  });
  after(async () => {
    await t.close();
    await other.close();
    await idp.close();
  });

  const forge = (opts: SignOptions = {}) => signToken(idp, opts);

  const write = (token: string, headers: Record<string, string> = {}) =>
    t.request('POST', '/v1/products', { headers: { ...bearer(token), ...headers }, body: newProduct() });

  it('accepts the provider token and one forged here with its key: the control for every refusal below', async () => {
    assert.equal((await write(await idp.issueToken({ clientId: 'alice', scope: 'products:write' }))).status, 201);
    assert.equal((await write(await forge())).status, 201);
  });

  it('refuses alg none, however it is spelled', async () => {
    const { kid } = idp.signingKey().publicJwk;
    const payload = b64(JSON.stringify({ ...real, iat: now(), exp: now() + 300 }));
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      for (const signature of ['', 'c2ln']) {
        const token = `${b64(JSON.stringify({ alg, typ: 'at+jwt', kid }))}.${payload}.${signature}`;
        assertInvalidToken(await write(token), `alg ${alg} signature "${signature}"`);
      }
    }
  });

  it('refuses HS256 made with the provider public key as the HMAC secret (algorithm confusion)', async () => {
    const { publicJwk } = idp.signingKey();
    const pem = createPublicKey({ key: publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    const secrets = [pem, pem.trim(), JSON.stringify(publicJwk), publicJwk.n!];
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const token = await new SignJWT({ ...real, iat: now(), exp: now() + 300 })
          .setProtectedHeader({ alg, typ: 'at+jwt', kid: publicJwk.kid })
          .sign(new TextEncoder().encode(secret));
        assertInvalidToken(await write(token), `${alg} with ${secret.slice(0, 12)}`);
      }
    }
  });

  it('refuses a genuine signature by the provider key in an algorithm outside AUTH_ALGORITHMS', async () => {
    for (const alg of ['RS384', 'RS512', 'PS256', 'PS384']) assertInvalidToken(await write(await forge({ alg })), alg);
  });

  it('binds each key to the algorithm its JWK states, even when AUTH_ALGORITHMS allows more', async () => {
    const lenient = await startTestApp({ AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: idp.audience, AUTH_JWKS_URL: idp.jwksUri, AUTH_ALGORITHMS: 'RS256,PS256' });
    try {
      const post = (token: string) => lenient.request('POST', '/v1/products', { headers: bearer(token), body: newProduct() });
      assert.equal((await post(await forge())).status, 201);
      assertInvalidToken(await post(await forge({ alg: 'PS256' })), 'PS256 with an RS256 key');
    } finally {
      await lenient.close();
    }
  });

  it('honours the leeway (AUTH_CLOCK_SKEW_SECONDS=30) for exp, nbf and iat, and not a second more', async () => {
    const t0 = now();
    const accepted = {
      'expired 10 s ago': { iat: t0 - 300, exp: t0 - 10 },
      'valid in 10 s': { nbf: t0 + 10 },
      'issued 10 s ahead': { iat: t0 + 10, exp: t0 + 310 },
    };
    const refused = {
      'expired 45 s ago': { iat: t0 - 300, exp: t0 - 45 },
      'valid in 45 s': { nbf: t0 + 45 },
      'issued 45 s ahead': { iat: t0 + 45, exp: t0 + 345 },
      'issued an hour ahead': { iat: t0 + 3600, exp: t0 + 3900 },
    };
    for (const [label, claims] of Object.entries(accepted)) assert.equal((await write(await forge({ claims }))).status, 201, label);
    for (const [label, claims] of Object.entries(refused)) assertInvalidToken(await write(await forge({ claims })), label);
  });

  it('refuses another issuer or audience, including a real token of another provider', async () => {
    assert.equal((await write(await forge({ claims: { aud: ['https://elsewhere.example', idp.audience] } }))).status, 201, 'aud array with ours');
    const cases = {
      'other iss': { iss: 'https://evil.example' },
      'iss with a trailing slash': { iss: `${idp.issuer}/` },
      'no iss': { iss: undefined },
      'other aud': { aud: 'https://other-api.example.test' },
      'aud array without ours': { aud: ['https://a.example', 'https://b.example'] },
      'no aud': { aud: undefined },
    };
    for (const [label, claims] of Object.entries(cases)) assertInvalidToken(await write(await forge({ claims })), label);
    assertInvalidToken(await write(await other.issueToken({ clientId: 'alice', scope: 'products:write' })), 'other provider');
  });

  it('refuses a token without sub, exp or iat, with a sub or client_id that is not printable text of at most 255 characters, or living longer than AUTH_MAX_TOKEN_TTL_SECONDS', async () => {
    const t0 = now();
    assert.equal((await write(await forge({ claims: { iat: t0, exp: t0 + 3600 } }))).status, 201, 'exactly the maximum');
    const cases = {
      'no sub': { sub: undefined },
      'empty sub': { sub: '' },
      'numeric sub': { sub: 42 },
      'sub of 256 characters': { sub: 'u'.repeat(256) },
      'sub with NUL': { sub: 'a\u0000b' },
      'sub with a lone surrogate': { sub: '\ud800x' },
      'sub with a line break': { sub: 'alice\nFAKE' },
      'sub of a zero-width space': { sub: '\u200b' },
      'sub with a bidi override': { sub: 'alice\u202egnp.exe' },
      'client_id with NUL': { client_id: '\u0000' },
      'client_id of 256 characters': { client_id: 'c'.repeat(256) },
      'no exp': { exp: undefined },
      'no iat': { iat: undefined },
      'exp as a string': { exp: String(t0 + 300) },
      'iat as a string': { iat: String(t0) },
      'one second too long': { iat: t0, exp: t0 + 3601 },
      'a year long': { iat: t0, exp: t0 + 365 * 86400 },
    };
    for (const [label, claims] of Object.entries(cases)) assertInvalidToken(await write(await forge({ claims })), label);
  });

  it('refuses a token whose signature, payload or header was edited', async () => {
    const good = await forge();
    const [h, p, s] = good.split('.');
    const mid = Math.floor(s.length / 2);
    const flipped = `${s.slice(0, mid)}${s[mid] === 'A' ? 'B' : 'A'}${s.slice(mid + 1)}`;
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const cases = {
      'signature flipped': `${h}.${p}.${flipped}`,
      'signature cut': `${h}.${p}.${s.slice(0, -10)}`,
      'signature of another token': `${h}.${p}.${(await forge()).split('.')[2]}`,
      'scope raised': `${h}.${b64(JSON.stringify({ ...payload, scope: 'products:write products:admin' }))}.${s}`,
      'sub changed': `${h}.${b64(JSON.stringify({ ...payload, sub: 'mallory' }))}.${s}`,
      'header typ changed': `${b64(JSON.stringify({ ...header, typ: 'JWT' }))}.${p}.${s}`,
    };
    for (const [label, token] of Object.entries(cases)) assertInvalidToken(await write(token), label);
  });

  it('refuses a key the token brings itself (jku, x5u, jwk, x5c) and never fetches it', async () => {
    const evil = await recorder();
    try {
      const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: 'attacker', alg: 'RS256', use: 'sig' };
      const signedByAttacker = (header: Record<string, unknown>) => forge({ header: { kid: 'attacker', ...header }, key: attacker.privateKey });
      const cases = {
        'jku (provider-signed)': await forge({ header: { jku: `${evil.url}/jwks.json` } }),
        'x5u (provider-signed)': await forge({ header: { x5u: `${evil.url}/cert.pem` } }),
        'jku (attacker-signed)': await signedByAttacker({ jku: `${evil.url}/jwks.json` }),
        'jwk (attacker-signed)': await signedByAttacker({ jwk: attackerJwk }),
        'x5c (provider-signed)': await forge({ header: { x5c: ['MIIB'] } }),
        'zip (JWE only)': await forge({ header: { zip: 'DEF' } }),
        'enc (JWE only)': await forge({ header: { enc: 'A256GCM' } }),
      };
      for (const [label, token] of Object.entries(cases)) assertInvalidToken(await write(token), label);
      await sleep(200);
      assert.deepEqual(evil.hits, [], 'no request may reach a URL named by a token');
    } finally {
      await evil.close();
    }
  });

  it('takes typ at+jwt, application/at+jwt, JWT or none; refuses other types, crit and Keycloak ID tokens', async () => {
    for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT', 'JWT', undefined]) {
      assert.equal((await write(await forge({ header: { typ } }))).status, 201, `typ ${typ}`);
    }
    assert.equal((await write(await forge({ claims: { typ: 'Bearer' } }))).status, 201, 'Keycloak access token');
    const refused = {
      'typ logout+jwt': await forge({ header: { typ: 'logout+jwt' } }),
      'typ dpop+jwt': await forge({ header: { typ: 'dpop+jwt' } }),
      'typ secevent+jwt': await forge({ header: { typ: 'secevent+jwt' } }),
      'typ as a number': signRaw(idp, JSON.stringify({ alg: 'RS256', typ: 1, kid: idp.signingKey().publicJwk.kid }), JSON.stringify({ ...real, iat: now(), exp: now() + 60 })),
      'crit header': signRaw(idp, JSON.stringify({ alg: 'RS256', kid: idp.signingKey().publicJwk.kid, crit: ['exp'], exp: 1 }), JSON.stringify({ ...real, iat: now(), exp: now() + 60 })),
      'Keycloak ID token': await forge({ claims: { typ: 'ID' } }),
      'Keycloak refresh token': await forge({ claims: { typ: 'Refresh' } }),
    };
    for (const [label, token] of Object.entries(refused)) assertInvalidToken(await write(token), label);
  });

  it('concurrent requests never see each other\'s credentials', { timeout: 30_000 }, async () => {
    const limits = Array.from({ length: 8 }, (_, i) => 1001 + i);
    const keys = await Promise.all(limits.map((rateLimitPerMinute) => t.createApiKey({ rateLimitPerMinute })));
    const subs = Array.from({ length: 8 }, () => unique('concurrent'));
    const tokens = await Promise.all(subs.map((sub) => forge({ claims: { sub } })));
    const bad = await Promise.all(Array.from({ length: 8 }, () => forge({ header: { kid: unique('kid') } })));
    const [reads, badReads, writes, badWrites] = await Promise.all([
      Promise.all(keys.map(({ key: k }) => t.request('GET', '/v1/products?limit=1', { headers: apiKey(k) }))),
      Promise.all(keys.map(({ key: k }) => t.request('GET', '/v1/products?limit=1', { headers: apiKey(`${k.slice(0, -4)}AAAA`) }))),
      Promise.all(tokens.map((token) => write(token))),
      Promise.all(bad.map((token) => write(token))),
    ]);
    reads.forEach((res, i) => {
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit-policy'), `"per-key";q=${limits[i]};w=60`, 'each read is counted for its own key');
    });
    for (const res of badReads) assert.equal(res.status, 401);
    writes.forEach((res, i) => {
      assert.equal(res.status, 201);
      assert.equal(res.body.ownerId, subs[i], 'each product is owned by the user whose token made it');
    });
    for (const res of badWrites) assertInvalidToken(res, 'concurrent bad token');
  });

  it('answers garbage with 401, never a 500, and keeps serving', async () => {
    const { kid } = idp.signingKey().publicJwk;
    const claims = JSON.stringify({ ...real, iat: now(), exp: now() + 300 });
    const headers = ['123', '[]', '"RS256"', 'null', 'true', '{}', '{"alg":123}', '{"alg":["RS256"]}', '{"alg":null}',
      '{"alg":"RS256","kid":123}', '{"alg":"RS256","kid":{"$ne":1}}', '{"alg":"RS256","kid":["a"]}', '{"alg":"RS256","kid":""}',
      '{"alg":"RS256","kid":"__proto__"}', '{"alg":"RS256","kid":"constructor"}', '{"alg":"RS256","kid":"toString"}',
      '{"alg":"RS256","kid":"hasOwnProperty"}', '{"alg":"RS256"', `${'['.repeat(5000)}${']'.repeat(5000)}`];
    const payloads = ['null', '[]', '123', '"text"', 'true', '{', '[{"sub":"x"}]',
      JSON.stringify({ ...real, sub: { id: 1 }, iat: now(), exp: now() + 60 }),
      JSON.stringify({ ...real, aud: 123, iat: now(), exp: now() + 60 }),
      JSON.stringify({ ...real, exp: 1e308, iat: -1e308 }),
      JSON.stringify({ ...real, exp: now() + 60, iat: now(), nbf: 'soon' })];
    const tokens = [
      'a', 'a.b', 'a.b.c', 'a.b.c.d', 'a.b.c.d.e', '...', '.', '..', '%%%.%%%.%%%', '!!.@@.##', '""', '[]', '{}', 'null', '0', '-1', '1e999',
      'eyJ.eyJ.eyJ', 'ÿÿÿ.ÿÿÿ.ÿÿÿ',
      ...headers.map((h) => `${b64(h)}.${b64(claims)}.c2ln`),
      ...headers.filter((h) => !h.includes('[[[')).map((h) => signRaw(idp, h, claims)),
      ...payloads.map((p) => signRaw(idp, JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid }), p)),
      `${b64('{"alg":"RS256"}')}.${'A'.repeat(6000)}.${'B'.repeat(4000)}`,
    ];
    for (const token of tokens) assertInvalidToken(await write(token), `token ${token.slice(0, 40)}`);
    for (const authorization of ['Bearer a.b.c extra', 'Bearer\ta.b.c', 'bearer a.b.c', 'BEARER a.b.c']) {
      assertInvalidToken(await t.request('POST', '/v1/products', { headers: { authorization }, body: newProduct() }), authorization);
    }
    for (const authorization of ['Bearer', 'Bearer ', 'Basic YTpi', 'a.b.c', 'Token a.b.c']) {
      const res = await t.request('POST', '/v1/products', { headers: { authorization }, body: newProduct() });
      assert.equal(res.status, 401, authorization);
    }
    // Well signed, but scopes of the wrong shape: no scope at all, so a 403 (and still no 500).
    const oddScopes = signRaw(idp, JSON.stringify({ alg: 'RS256', kid }), JSON.stringify({ ...real, scope: 123, scp: { a: 1 }, iat: now(), exp: now() + 60 }));
    assert.equal((await write(oddScopes)).status, 403);
    // The same garbage on a read that needs a token, beside a valid API key.
    for (const token of tokens.slice(0, 12)) {
      assertInvalidToken(await t.request('GET', '/v1/audit-events', { headers: { ...apiKey(key), ...bearer(token) } }), `read ${token.slice(0, 20)}`);
    }
    assert.equal((await write(await forge())).status, 201, 'still serving');
  });

  it('refuses a token beyond the header size limit with 431, never a 500', async () => {
    const res = await fetch(`${t.baseUrl}/v1/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'a'.repeat(40_000)}.b.c`, 'content-type': 'application/json' },
      body: JSON.stringify(newProduct()),
    });
    assert.equal(res.status, 431);
    assert.equal((await write(await forge())).status, 201, 'still serving');
  });

  it('reads scopes from scope or scp (array or space-separated); a missing scope is a 403 naming it', async () => {
    assert.equal((await write(await forge({ claims: { scope: undefined, scp: ['products:write'] } }))).status, 201, 'scp array');
    assert.equal((await write(await forge({ claims: { scope: undefined, scp: 'audit:read products:write' } }))).status, 201, 'scp string');
    assert.equal((await write(await forge({ claims: { scope: 'audit:read  products:write' } }))).status, 201, 'scope, two spaces');
    for (const claims of [{ scope: 'audit:read' }, { scope: undefined }, { scope: 'products:writer' }, { scope: undefined, scp: ['products:write:x'] }]) {
      const res = await write(await forge({ claims }));
      assert.equal(res.status, 403, JSON.stringify(claims));
      assert.equal(res.headers.get('www-authenticate'), 'Bearer error="insufficient_scope", scope="products:write", realm="cqrs-reference"');
    }
    const real403 = await write(await idp.issueToken({ clientId: 'bob', scope: 'audit:read' }));
    assert.equal(real403.status, 403);
    assert.match(real403.headers.get('www-authenticate') ?? '', /error="insufficient_scope", scope="products:write"/);
  });

  it('an expired token beside a valid API key is still a 401: no fallback to the key', async () => {
    const body = newProduct();
    const expired = await forge({ claims: { iat: now() - 900, exp: now() - 600 } });
    const res = await t.request('POST', '/v1/products', { headers: { ...bearer(expired), ...apiKey(key) }, body });
    assertInvalidToken(res, 'expired with key');
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM products WHERE sku = $1', [body.sku]);
    assert.equal(n, 0);
  });
});

describe('user tokens: the JWKS is cached, refreshed on an unknown kid at a bounded rate, and follows key rotation', () => {
  let idp: TestIdentityProvider;
  let t: TestApp;
  let jwksPath: string;
  before(async () => {
    idp = await startIdentityProvider();
    jwksPath = new URL(idp.jwksUri).pathname;
    t = await startTestApp({ AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: idp.audience, AUTH_JWKS_URL: idp.jwksUri, AUTH_JWKS_MIN_REFRESH_SECONDS: '2' });
  });
  const waitForRefresh = () => sleep(2100);
  after(async () => {
    await t.close();
    await idp.close();
  });

  const write = (token: string) => t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct() });
  const withKid = (kid: string) => signToken(idp, { header: { kid } });

  it('fetches the JWKS once for many tokens of a known key', async () => {
    const before = idp.requestCount(jwksPath);
    for (let i = 0; i < 5; i++) assert.equal((await write(await idp.issueToken({ clientId: 'alice', scope: 'products:write' }))).status, 201);
    assert.equal(idp.requestCount(jwksPath) - before, 1);
  });

  it('an unknown kid costs one refresh, then nothing more however many arrive', async () => {
    const tokens = await Promise.all(Array.from({ length: 60 }, () => withKid(unique('kid'))));
    await waitForRefresh();
    const before = idp.requestCount(jwksPath);
    assertInvalidToken(await write(await withKid(unique('kid'))), 'first unknown kid');
    assert.equal(idp.requestCount(jwksPath) - before, 1, 'one refresh for the first unknown kid');
    const started = Date.now();
    const flood = await Promise.all(tokens.map(write));
    for (const res of flood) assertInvalidToken(res, 'flood');
    // At most one fetch per AUTH_JWKS_MIN_REFRESH_SECONDS (2 s), however slow a loaded machine makes the flood.
    const allowed = 1 + Math.floor((Date.now() - started) / 2000);
    assert.ok(idp.requestCount(jwksPath) - before <= allowed, `${idp.requestCount(jwksPath) - before} fetches, at most ${allowed}`);
    // Also signed by a stranger under the provider's own kid.
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assertInvalidToken(await write(await signToken(idp, { key: stranger.privateKey })), 'stranger key under a known kid');
  });

  it('follows a rotation at the provider without a restart: new key accepted, removed key refused', async () => {
    const oldToken = await idp.issueToken({ clientId: 'alice', scope: 'products:write' });
    assert.equal((await write(oldToken)).status, 201);

    await idp.rotateSigningKey({ keepOld: true });
    await waitForRefresh();
    const graceful = await idp.issueToken({ clientId: 'alice', scope: 'products:write' });
    assert.equal((await write(graceful)).status, 201, 'new key during a graceful rotation');
    assert.equal((await write(oldToken)).status, 201, 'old key still published');

    await idp.rotateSigningKey({ keepOld: false });
    await waitForRefresh();
    const fresh = await idp.issueToken({ clientId: 'bob', scope: 'products:write' });
    assert.equal((await write(fresh)).status, 201, 'new key after a hard rotation');
    assertInvalidToken(await write(oldToken), 'key removed from the JWKS');
    assertInvalidToken(await write(graceful), 'second key removed too');
  });
});

describe('user tokens: keys through OIDC discovery from AUTH_ISSUER', () => {
  let idp: TestIdentityProvider;
  before(async () => {
    idp = await startIdentityProvider();
  });
  after(() => idp.close());

  it('without AUTH_JWKS_URL or AUTH_OIDC_DISCOVERY, a custom issuer and audience are checked against the dev key', async () => {
    const discoveries = idp.requestCount('/.well-known/openid-configuration');
    const t = await startTestApp({ AUTH_ISSUER: 'urn:custom-iss', AUTH_AUDIENCE: 'urn:custom-aud' });
    try {
      assert.equal(t.config.auth.keySource, 'dev-key');
      const token = await t.token({ scope: 'products:write' });
      assert.equal((await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct() })).status, 201);
      assert.equal(idp.requestCount('/.well-known/openid-configuration'), discoveries, 'nothing was discovered');
    } finally {
      await t.close();
    }
  });

  it('finds the JWKS from <issuer>/.well-known/openid-configuration, once', async () => {
    const t = await startTestApp({ AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: idp.audience, AUTH_OIDC_DISCOVERY: 'true' });
    try {
      assert.equal(t.config.auth.keySource, 'discovery');
      const discoveries = idp.requestCount('/.well-known/openid-configuration');
      for (let i = 0; i < 3; i++) {
        const token = await idp.issueToken({ clientId: 'alice', scope: 'products:write' });
        assert.equal((await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct() })).status, 201);
      }
      assert.equal(idp.requestCount('/.well-known/openid-configuration') - discoveries, 1);
    } finally {
      await t.close();
    }
  });

  it('refuses metadata that names another issuer or an insecure jwks_uri', async () => {
    const variants: Array<[string, (issuer: string) => unknown, number]> = [
      ['matching issuer (control)', (issuer) => ({ issuer, jwks_uri: idp.jwksUri }), 201],
      ['another issuer', () => ({ issuer: idp.issuer, jwks_uri: idp.jwksUri }), 401],
      ['plain http off this machine', (issuer) => ({ issuer, jwks_uri: 'http://idp.example.com/jwks' }), 401],
      ['no jwks_uri', (issuer) => ({ issuer }), 401],
    ];
    for (const [label, metadata, status] of variants) {
      let issuer = '';
      const fake = await recorder((url) => (url === '/.well-known/openid-configuration' ? metadata(issuer) : {}));
      issuer = fake.url;
      const t = await startTestApp({ AUTH_ISSUER: issuer, AUTH_AUDIENCE: idp.audience, AUTH_OIDC_DISCOVERY: 'true' });
      try {
        const token = await signToken(idp, { claims: { iss: issuer } });
        const res = await t.request('POST', '/v1/products', { headers: bearer(token), body: newProduct() });
        assert.equal(res.status, status, label);
        assert.deepEqual(fake.hits, ['/.well-known/openid-configuration'], `${label}: only the discovery document was fetched`);
      } finally {
        await t.close();
        await fake.close();
      }
    }
  });
});
