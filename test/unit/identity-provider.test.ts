import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';

import { startIdentityProvider } from '../support/identity-provider.js';
import type { TestIdentityProvider } from '../support/identity-provider.js';

describe('test identity provider (oidc-provider)', () => {
  let idp: TestIdentityProvider;

  before(async () => {
    idp = await startIdentityProvider();
  });

  after(async () => {
    await idp?.close();
  });

  it('serves OIDC discovery for its issuer', async () => {
    assert.match(idp.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(idp.audience, 'https://api.example.test');

    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const meta = (await res.json()) as Record<string, unknown>;
    assert.equal(meta.issuer, idp.issuer);
    assert.equal(meta.jwks_uri, idp.jwksUri);
    assert.ok(String(meta.token_endpoint).startsWith(idp.issuer));
    assert.ok((meta.grant_types_supported as string[]).includes('client_credentials'));

    const jwks = (await (await fetch(idp.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.kid, idp.signingKey().publicJwk.kid);
    assert.equal(jwks.keys[0]!.d, undefined, 'JWKS must not leak private key material');
  });

  it('issues an RS256 JWT access token with iss, aud, sub, scope and the configured lifetime', async () => {
    const token = await idp.issueToken({ clientId: 'alice', scope: 'products:write audit:read' });

    const header = decodeProtectedHeader(token);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.typ, 'at+jwt');
    assert.equal(header.kid, idp.signingKey().publicJwk.kid);

    const claims = decodeJwt(token);
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.aud, 'https://api.example.test');
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.client_id, 'alice');
    assert.equal(claims.scope, 'products:write audit:read');
    assert.equal(typeof claims.iat, 'number');
    assert.equal(typeof claims.jti, 'string');
    assert.equal(claims.exp! - claims.iat!, 600);
  });

  it('drops scopes the resource server does not define', async () => {
    const token = await idp.issueToken({ clientId: 'bob', scope: 'products:admin not-a-scope' });
    const claims = decodeJwt(token);
    assert.equal(claims.sub, 'bob');
    assert.equal(claims.scope, 'products:admin');
  });

  it('fails with a helpful error for an unknown client', async () => {
    await assert.rejects(
      idp.issueToken({ clientId: 'mallory', scope: 'products:write' }),
      /token request for client "mallory".*HTTP 401.*invalid_client/,
    );
  });

  it('issues tokens that verify against the remote JWKS', async () => {
    const token = await idp.issueToken({ clientId: 'reader', scope: 'audit:read' });
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: idp.issuer,
      audience: idp.audience,
      algorithms: ['RS256'],
      typ: 'at+jwt',
    });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.sub, 'reader');
    assert.equal(payload.scope, 'audit:read');
  });

  it('exposes the current signing key pair', () => {
    const { privateJwk, publicJwk } = idp.signingKey();
    assert.equal(privateJwk.kid, publicJwk.kid);
    assert.equal(privateJwk.kty, 'RSA');
    assert.equal(privateJwk.alg, 'RS256');
    assert.equal(typeof privateJwk.d, 'string');
    assert.equal(publicJwk.d, undefined);
    assert.equal(publicJwk.n, privateJwk.n);
  });

  it('rotates the signing key: new kid, old key kept by default, new tokens still verify', async () => {
    const before = await idp.issueToken({ clientId: 'admin', scope: 'api-keys:manage' });
    const oldKid = decodeProtectedHeader(before).kid;

    await idp.rotateSigningKey();

    const after = await idp.issueToken({ clientId: 'admin', scope: 'api-keys:manage' });
    const newKid = decodeProtectedHeader(after).kid;
    assert.notEqual(newKid, oldKid);
    assert.equal(newKid, idp.signingKey().publicJwk.kid);

    const published = (await (await fetch(idp.jwksUri)).json()) as { keys: Array<{ kid: string }> };
    assert.deepEqual(published.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort());

    // Fresh JWKS client: both the new and the pre-rotation token verify.
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri));
    const options = { issuer: idp.issuer, audience: idp.audience, algorithms: ['RS256'] };
    assert.equal((await jwtVerify(after, jwks, options)).payload.sub, 'admin');
    assert.equal((await jwtVerify(before, jwks, options)).payload.sub, 'admin');
  });

  it('rotates the signing key without keeping the old one when asked', async () => {
    const before = await idp.issueToken({ clientId: 'alice', scope: 'inventory:write' });
    const oldKid = decodeProtectedHeader(before).kid;

    await idp.rotateSigningKey({ keepOld: false });

    const after = await idp.issueToken({ clientId: 'alice', scope: 'inventory:write' });
    const newKid = decodeProtectedHeader(after).kid;
    assert.notEqual(newKid, oldKid);

    const published = (await (await fetch(idp.jwksUri)).json()) as { keys: Array<{ kid: string }> };
    assert.deepEqual(published.keys.map((k) => k.kid), [newKid]);

    const jwks = createRemoteJWKSet(new URL(idp.jwksUri));
    const options = { issuer: idp.issuer, audience: idp.audience, algorithms: ['RS256'] };
    assert.equal((await jwtVerify(after, jwks, options)).payload.sub, 'alice');
    await assert.rejects(jwtVerify(before, jwks, options), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });
});

describe('test identity provider options', () => {
  it('honours audience, scopes, clients and accessTokenTtlSeconds', async () => {
    const idp = await startIdentityProvider({
      audience: 'https://other.example.test',
      scopes: ['a:read', 'b:write'],
      clients: ['svc'],
      accessTokenTtlSeconds: 3600,
    });
    try {
      const token = await idp.issueToken({ clientId: 'svc', scope: 'a:read b:write products:write' });
      const claims = decodeJwt(token);
      assert.equal(claims.aud, 'https://other.example.test');
      assert.equal(claims.sub, 'svc');
      assert.equal(claims.scope, 'a:read b:write');
      assert.equal(claims.exp! - claims.iat!, 3600);
      await assert.rejects(idp.issueToken({ clientId: 'alice', scope: 'a:read' }), /invalid_client/);
    } finally {
      await idp.close();
    }
  });
});
