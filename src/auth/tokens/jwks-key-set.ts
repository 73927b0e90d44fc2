import { createPublicKey, type KeyObject } from 'node:crypto';

/** One verification key of the provider, parsed once when the JWKS is fetched. */
export interface VerificationKey {
  kid: string;
  /** The JWK's own `alg`, when it states one: the key may then be used with that algorithm only (RFC 8725 §3.1). */
  alg?: string;
  key: KeyObject;
}

/** What jwks-rsa's `getSigningKeys()` returns for each usable key of the set. */
export interface FetchedSigningKey {
  kid?: string;
  alg?: string;
  getPublicKey(): string;
}

export interface KeySetOptions {
  /** Fetches the whole current JWKS. */
  fetch: () => Promise<FetchedSigningKey[]>;
  /** Shortest time between two fetches, whatever tokens arrive: the bound on what unknown `kid`s can cost. */
  minRefreshMs: number;
  /** After this, a known key is still used but the set is fetched again in the background. */
  maxAgeMs: number;
  onRefreshError: (error: Error) => void;
  now?: () => number;
}

/**
 * The provider's keys as one set, replaced whole on every fetch, so that a key the provider removed stops being
 * accepted as soon as the set is fetched again (jwks-rsa's own cache is per `kid` and would keep a removed key for
 * its whole max age). A token naming an unknown `kid` triggers a fetch, at most one per `minRefreshMs`, shared by
 * every request waiting for it.
 */
export class JwksKeySet {
  private keys = new Map<string, VerificationKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: KeySetOptions) {
    this.now = options.now ?? Date.now;
  }

  async find(kid: string): Promise<VerificationKey | undefined> {
    const known = this.keys.get(kid);
    if (known) {
      if (this.now() - this.fetchedAt > this.options.maxAgeMs) void this.refresh();
      return known;
    }
    await this.refresh();
    return this.keys.get(kid);
  }

  /** Never rejects: a failed fetch keeps the keys we had, and the failure is reported once. */
  private refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.now() - this.attemptedAt < this.options.minRefreshMs) return Promise.resolve();
    this.attemptedAt = this.now();
    this.inFlight = this.options
      .fetch()
      .then((fetched) => {
        const next = new Map<string, VerificationKey>();
        for (const k of fetched) {
          if (k.kid) next.set(k.kid, { kid: k.kid, alg: k.alg, key: createPublicKey(k.getPublicKey()) });
        }
        this.keys = next;
        this.fetchedAt = this.now();
      })
      .catch((e: unknown) => this.options.onRefreshError(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
