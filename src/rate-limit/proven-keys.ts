import { apiKeyFingerprint as fingerprint } from '../auth/api-keys/api-key-format.js';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

/**
 * API keys that authenticated on this instance in the last minutes, by a hash of the whole key (never the key).
 * They skip the per-address gate for failed attempts, so that someone guessing keys from a shared address (an
 * office NAT, a cloud egress) does not lock out the genuine application behind the same address. A bounded map in
 * insertion order: a handful of lines, so no cache library for it.
 */
export class ProvenKeys {
  private readonly entries = new Map<string, number>();

  has(rawKey: string, now = Date.now()): boolean {
    const expires = this.entries.get(fingerprint(rawKey));
    return expires !== undefined && expires > now;
  }

  remember(rawKey: string, now = Date.now()): void {
    const id = fingerprint(rawKey);
    this.entries.delete(id);
    this.entries.set(id, now + TTL_MS);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(rawKey: string): void {
    this.entries.delete(fingerprint(rawKey));
  }
}
