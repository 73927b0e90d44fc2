import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { onCleanup } from './processes.js';

export interface BenchIdentity {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** An RFC 9068 access token, as an identity provider would issue it. */
  token(sub: string, scope: string): Promise<string>;
}

/**
 * The identity provider's part, as production sees it: a JWKS over HTTP (loopback only) publishing the public half
 * of a key pair made for this run, and tokens signed with the private half. RS256, the default of most providers.
 */
export async function startIdentity(port: number): Promise<BenchIdentity> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = `bench-${randomUUID()}`;
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', done);
  });
  onCleanup('JWKS server', () => new Promise<void>((done) => server.close(() => done())));

  const base = `http://127.0.0.1:${port}`;
  const issuer = `${base}/`;
  const audience = 'urn:cqrs-reference:bench';
  return {
    issuer,
    audience,
    jwksUrl: `${base}/jwks.json`,
    token: (sub, scope) =>
      new SignJWT({ scope, client_id: 'bench' })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(sub)
        .setIssuedAt()
        // Well inside AUTH_MAX_TOKEN_TTL_SECONDS (3600), and longer than any run.
        .setExpirationTime('30m')
        .setJti(randomUUID())
        .sign(privateKey),
  };
}
