import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrustworthyKeyUrl } from '../../src/auth/tokens/oidc-discovery.js';
import { ConfigError, DEV_ISSUER, loadConfig } from '../../src/config/app-config.js';

describe('token configuration', () => {
  it('accepts only asymmetric algorithms and a leeway of at most 60 s', () => {
    for (const alg of ['HS256', 'none', 'RS256,HS512']) assert.throws(() => loadConfig({ AUTH_ALGORITHMS: alg }), ConfigError, alg);
    assert.throws(() => loadConfig({ AUTH_CLOCK_SKEW_SECONDS: '61' }), ConfigError);
    assert.equal(loadConfig({ AUTH_CLOCK_SKEW_SECONDS: '60' }).auth.clockSkewSeconds, 60);
    assert.deepEqual(loadConfig({}).auth.algorithms, ['RS256', 'ES256']);
  });

  it('chooses the key source: AUTH_JWKS_URL, else discovery when asked for, else the dev key (whatever AUTH_ISSUER says)', () => {
    assert.equal(loadConfig({ AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_ISSUER: 'https://idp.example' }).auth.keySource, 'jwks-url');
    assert.equal(loadConfig({ AUTH_ISSUER: 'https://idp.example', AUTH_OIDC_DISCOVERY: 'true' }).auth.keySource, 'discovery');
    assert.equal(loadConfig({ AUTH_ISSUER: 'https://idp.example' }).auth.keySource, 'dev-key', "the contract's default outside production");
    assert.throws(() => loadConfig({ AUTH_OIDC_DISCOVERY: 'true' }), /needs AUTH_ISSUER/);
    assert.equal(loadConfig({ AUTH_ISSUER: DEV_ISSUER }).auth.keySource, 'dev-key');
    assert.equal(loadConfig({}).auth.keySource, 'dev-key');
  });

  it('production needs AUTH_JWKS_URL: discovery is for other environments', () => {
    const prod = { NODE_ENV: 'production', DATABASE_URL: 'postgres://x/y', AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'api' };
    assert.throws(() => loadConfig(prod), /AUTH_JWKS_URL/);
    assert.equal(loadConfig({ ...prod, AUTH_JWKS_URL: 'https://idp.example/jwks' }).auth.keySource, 'jwks-url');
  });

  it('AUTH_JWKS_URL, like discovery, is https or loopback http, in every environment', () => {
    for (const env of ['production', 'development']) {
      assert.throws(() => loadConfig({ NODE_ENV: env, DATABASE_URL: 'postgres://x/y', AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'api', AUTH_JWKS_URL: 'http://idp.example/jwks' }), /AUTH_JWKS_URL must be https/);
    }
    assert.equal(loadConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks' }).auth.jwksUrl, 'http://127.0.0.1:8080/jwks');
  });

  it('rate limits are on by default and can only be lowered to 1', () => {
    assert.deepEqual(loadConfig({}).rateLimits, { readsPerMinute: 6000, writesPerMinute: 600, unauthenticatedPerMinute: 60 });
    assert.throws(() => loadConfig({ RATE_LIMIT_READS_PER_MINUTE: '0' }), ConfigError);
  });

  it('fetches key material over https, or plain http on loopback only', () => {
    for (const url of ['https://idp.example/jwks', 'http://127.0.0.1:8080/jwks', 'http://127.9.9.9/x', 'http://localhost:3000/x', 'http://[::1]:8080/x']) {
      assert.equal(isTrustworthyKeyUrl(url), true, url);
    }
    for (const url of ['http://idp.example/jwks', 'http://10.0.0.1/jwks', 'http://[::ffff:10.0.0.1]/x', 'http://0.0.0.0/x', 'ftp://idp.example/x', 'file:///etc/passwd', 'not a url', '']) {
      assert.equal(isTrustworthyKeyUrl(url), false, url);
    }
  });
});
