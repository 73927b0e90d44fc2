import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIdentityProvider, type TestIdentityProvider } from '../support/identity-provider.js';
import { apiKey, bearer, startTestApp, unique, type TestApp } from '../support/test-app.js';

describe('user tokens from a real OpenID Connect provider (JWKS over HTTP)', () => {
  let idp: TestIdentityProvider;
  let t: TestApp;
  before(async () => {
    idp = await startIdentityProvider();
    t = await startTestApp({
      AUTH_ISSUER: idp.issuer,
      AUTH_AUDIENCE: idp.audience,
      AUTH_JWKS_URL: idp.jwksUri,
      AUTH_JWKS_MIN_REFRESH_SECONDS: '1',
    });
  });
  after(async () => {
    await t.close();
    await idp.close();
  });

  it('accepts the provider token and records its sub and client', async () => {
    const token = await idp.issueToken({ clientId: 'alice', scope: 'products:write' });
    const res = await t.request('POST', '/v1/products', { headers: bearer(token), body: { sku: unique('IDP'), name: 'From IdP', priceCents: 1, currency: 'EUR' } });
    assert.equal(res.status, 201);
    assert.equal(res.body.ownerId, 'alice');
    const [row] = await t.db.query('SELECT actor_sub, actor_issuer, actor_client_id FROM audit_events WHERE resource_id = $1', [res.body.id]);
    assert.deepEqual(row, { actor_sub: 'alice', actor_issuer: idp.issuer, actor_client_id: 'alice' });
  });

  it('refuses a dev-key token and a token for another audience', async () => {
    const devToken = await t.token({ scope: 'products:write', claims: { iss: idp.issuer, aud: idp.audience } });
    assert.equal((await t.request('POST', '/v1/products', { headers: bearer(devToken), body: {} })).status, 401);
  });

  it('keeps working when the provider rotates its signing key', async () => {
    await idp.rotateSigningKey({ keepOld: false });
    // The unknown kid of the previous test spent the JWKS refresh of the last second.
    await sleep(1100);
    const token = await idp.issueToken({ clientId: 'bob', scope: 'products:write' });
    const res = await t.request('POST', '/v1/products', { headers: bearer(token), body: { sku: unique('ROT'), name: 'After rotation', priceCents: 1, currency: 'EUR' } });
    assert.equal(res.status, 201);
  });

  it('audit:read from the provider reads the trail', async () => {
    const { key } = await t.createApiKey();
    const token = await idp.issueToken({ clientId: 'admin', scope: 'audit:read' });
    const res = await t.request('GET', '/v1/audit-events?actor=alice', { headers: { ...apiKey(key), ...bearer(token) } });
    assert.equal(res.status, 200);
    assert.ok(res.body.data.length >= 1);
  });
});
