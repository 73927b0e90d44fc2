import { CacheableMemory } from '@cacheable/memory';
import type { RedisClientType } from '@keyv/redis';
import { randomBytes } from 'node:crypto';
import type { ResourceRef } from './cacheable.decorator.js';

/**
 * A generation per resource and per collection, part of every cache key. Changing a resource gives it (and its
 * collection) a new generation, so answers cached under the old one can no longer be found: nothing has to be
 * deleted, and a reader that computed an answer from the old data before the change and stores it after the change
 * stores it under the old generation, where no later reader looks. Generation values are never issued twice, so a
 * generation that is evicted or expires comes back as a new one (a miss), never as an old one (a stale hit).
 */
export interface Generations {
  /** The current generations of `refs`, joined; a ref without one gets a new one. */
  current(refs: readonly ResourceRef[]): string | Promise<string>;
  /**
   * `[type, id]` changed: new generations for it and for its collection (lists show it). `[type, null]`: for the
   * collection only. Starts synchronously, so a read that starts after it on this instance sees the new generation;
   * a shared store returns the promise of the other instances seeing it too (it never rejects).
   */
  bump(resourceType: string, resourceId: string | null): void | Promise<void>;
}

function keyOf(resourceType: string, resourceId: string | null): string {
  if (resourceType.includes('/')) throw new Error(`A resource type has no "/": ${resourceType}`);
  return resourceId === null ? resourceType : `${resourceType}/${resourceId}`;
}

function keysBumpedBy(resourceType: string, resourceId: string | null): string[] {
  const collection = keyOf(resourceType, null);
  return resourceId === null ? [collection] : [keyOf(resourceType, resourceId), collection];
}

/** One process: a bounded LRU of counters from a process-wide sequence. */
export class LocalGenerations implements Generations {
  private sequence = 0;
  private readonly generations: CacheableMemory;

  constructor(maxResources: number) {
    this.generations = new CacheableMemory({ lruSize: maxResources, useClone: false, storeHashSize: 1 });
  }

  current(refs: readonly ResourceRef[]): string {
    if (refs.length === 1) return this.of(keyOf(refs[0][0], refs[0][1]));
    return refs.map(([type, id]) => this.of(keyOf(type, id))).join(',');
  }

  bump(resourceType: string, resourceId: string | null): void {
    for (const key of keysBumpedBy(resourceType, resourceId)) this.generations.set(key, this.issue());
  }

  private of(key: string): string {
    let generation = this.generations.get<string>(key);
    if (generation === undefined) {
      generation = this.issue();
      this.generations.set(key, generation);
    }
    return generation;
  }

  private issue(): string {
    return (++this.sequence).toString(36);
  }
}

/**
 * Shared by every instance on the same Redis: one instance's change is seen by the others' next read. Values are
 * random (96 bits), so instances never issue the same one; keys expire after a day of no change, which is safe.
 * A bump Redis did not take (it was down or reconnecting) is remembered: until it has been sent again, this
 * instance reads those resources without the cache, and it is sent again as soon as Redis is back, so the other
 * instances stop serving the old answers too.
 */
export class RedisGenerations implements Generations {
  static readonly TTL_SECONDS = 24 * 3600;
  /** Past this many unsent bumps the oldest are forgotten (logged): their answers then age out with their TTL. */
  static readonly MAX_UNSENT = 100_000;
  private readonly unsent = new Set<string>();
  /** Resends in flight, one per key: concurrent readers of a pending resource wait for the same one. */
  private readonly resending = new Map<string, Promise<void>>();

  constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
    private readonly onError: (error: unknown) => void,
  ) {
    client.on('ready', () => void this.resendUnsent());
  }

  async current(refs: readonly ResourceRef[]): Promise<string> {
    const keys = refs.map(([type, id]) => this.prefix + keyOf(type, id));
    if (this.unsent.size > 0 && keys.some((key) => this.unsent.has(key))) {
      await Promise.all(keys.filter((key) => this.unsent.has(key)).map((key) => this.resend(key)));
      if (keys.some((key) => this.unsent.has(key))) throw new Error('A change to this resource has not reached Redis yet');
    }
    const values = await Promise.all(keys.map((key) => this.client.get(key)));
    for (let i = 0; i < keys.length; i++) {
      if (values[i] !== null) continue;
      // First reader: set one unless another instance just did; GET returns theirs (Redis 7).
      const mine = this.issue();
      const theirs = await this.client.set(keys[i], mine, {
        condition: 'NX',
        GET: true,
        expiration: { type: 'EX', value: RedisGenerations.TTL_SECONDS },
      });
      values[i] = theirs ?? mine;
    }
    return values.join(',');
  }

  bump(resourceType: string, resourceId: string | null): Promise<void> {
    // Sent now, on the connection the reads use, so Redis applies them before any later read of this instance.
    return Promise.all(keysBumpedBy(resourceType, resourceId).map((key) => this.send(this.prefix + key))).then(() => undefined);
  }

  /** Never rejects: a failure is remembered in `unsent` and reported. */
  private send(key: string): Promise<void> {
    return this.client.set(key, this.issue(), { expiration: { type: 'EX', value: RedisGenerations.TTL_SECONDS } }).then(
      () => void this.unsent.delete(key),
      (error: unknown) => {
        this.unsent.delete(key); // re-added last: the oldest entries are the ones dropped past MAX_UNSENT
        this.unsent.add(key);
        if (this.unsent.size > RedisGenerations.MAX_UNSENT) {
          this.unsent.delete(this.unsent.values().next().value!);
          this.onError(new Error(`More than ${RedisGenerations.MAX_UNSENT} cache invalidations wait for Redis: the oldest is dropped`));
        }
        this.onError(error);
      },
    );
  }

  private resend(key: string): Promise<void> {
    let pending = this.resending.get(key);
    if (!pending) {
      pending = this.send(key).finally(() => this.resending.delete(key));
      this.resending.set(key, pending);
    }
    return pending;
  }

  private async resendUnsent(): Promise<void> {
    await Promise.all([...this.unsent].map((key) => this.resend(key)));
  }

  private issue(): string {
    return randomBytes(12).toString('base64url');
  }
}
