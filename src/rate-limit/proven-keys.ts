import { LRUCache } from 'lru-cache';
import { apiKeyFingerprint as fingerprint } from '../auth/api-keys/api-key-format.js';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

/**
 * API keys that authenticated on this instance in the last minutes, by a hash of the whole key (never the key).
 * They skip the per-address gate for failed attempts, so that someone guessing keys from a shared address (an
 * office NAT, a cloud egress) does not lock out the genuine application behind the same address.
 */
export class ProvenKeys {
  private readonly entries = new LRUCache<string, true>({ max: MAX_ENTRIES, ttl: TTL_MS });

  has(rawKey: string): boolean {
    return this.entries.has(fingerprint(rawKey));
  }

  remember(rawKey: string): void {
    this.entries.set(fingerprint(rawKey), true);
  }

  forget(rawKey: string): void {
    this.entries.delete(fingerprint(rawKey));
  }
}
