import ipaddr from 'ipaddr.js';

const TIMEOUT_MS = 5_000;

/**
 * Key material is only fetched over TLS, or over plain HTTP from this very machine (a provider in a test or a
 * sidecar). Anything else could be answered by whoever sits on the network path.
 */
export function isTrustworthyKeyUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  if (url.hostname === 'localhost') return true;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback';
}

/**
 * OpenID Connect Discovery 1.0 §4: the metadata lives at `<issuer>/.well-known/openid-configuration`, and the
 * `issuer` it states must be exactly ours (§4.3), or a look-alike provider could hand us its own keys.
 */
export async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  if (!isTrustworthyKeyUrl(url)) throw new Error(`discovery needs https (or http on loopback): ${url}`);
  const res = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`discovery at ${url} answered HTTP ${res.status}`);
  const metadata = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown } | null;
  if (metadata?.issuer !== issuer) throw new Error(`discovery at ${url} names another issuer: ${String(metadata?.issuer)}`);
  const jwksUri = metadata.jwks_uri;
  if (typeof jwksUri !== 'string' || !isTrustworthyKeyUrl(jwksUri)) {
    throw new Error(`discovery at ${url} gives no usable jwks_uri (https, or http on loopback): ${String(jwksUri)}`);
  }
  return jwksUri;
}
