import type { OnApplicationShutdown } from '@nestjs/common';
import type { Query, QueryBus, QueryResult } from '@nestjs/cqrs';
import { setTimeout as sleep } from 'node:timers/promises';
import { configure } from 'safe-stable-stringify';
import { Representation, type Validity } from '../http/representation.js';
import type { CacheBackend } from './cache-backend.js';
import { cachePolicyOf } from './cacheable.decorator.js';

/** Keys sorted, dates as ISO strings, a cycle refused: one query value, one text. */
const canonical = configure({ deterministic: true, circularValue: Error, bigint: true });

/** How a query's result goes on the wire. */
export interface View<Q extends Query<any>, T> {
  /** Part of every key: change it when the JSON changes, so instances of two releases never share an answer. */
  readonly name: string;
  /** Serialises once; may throw (e.g. a 404 for a null result), and then nothing is cached. */
  render(result: QueryResult<Q>, query: Q): Representation<T>;
}

/**
 * The read side's cache, around the QueryBus: handlers stay plain reads. A query class marked `@Cacheable` is answered
 * from the cache under a key made of its class, the view, every field of the query (canonical JSON) and the current
 * generation of every resource it depends on; other queries go straight to the bus. What is cached is the serialised
 * answer and its ETag, so a hit costs no database round trip and no serialisation.
 */
export class QueryCache implements OnApplicationShutdown {
  /** Invalidations on their way to the shared store. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly queries: QueryBus,
    private readonly backend: CacheBackend,
    private readonly ttlSeconds: number,
    private readonly reportError: (error: unknown) => void,
  ) {}

  async execute<Q extends Query<any>, T>(query: Q, view: View<Q, T>): Promise<Representation<T>> {
    const compute = async () => view.render(await this.queries.execute(query), query);
    const policy = cachePolicyOf(query);
    const ttlSeconds = policy?.ttlSeconds ?? this.ttlSeconds;
    if (!policy || ttlSeconds <= 0) return compute();

    const dependsOn = policy.dependsOn(query);
    let generations: string;
    try {
      // Read before the query runs: an answer computed from data that changes meanwhile is stored under the old
      // generation, which no reader asks for after the change.
      generations = await this.backend.generations.current(dependsOn);
    } catch (error) {
      // Without the current generations nothing cached can be trusted: answer from the read model.
      this.reportError(error);
      return compute();
    }
    const key = `${policy.name}|${view.name}|${canonical(query)}|${generations}`;
    let computed: Representation<T> | undefined;
    const computeValid = async () => {
      const answer = await compute();
      return (computed = new Representation<T>(answer.body, answer.etag, { dependsOn, generations, expiresAt: Date.now() + ttlSeconds * 1000 }));
    };
    try {
      // cache-manager's wrap: one computation per key at a time, TTL in milliseconds.
      const stored = await this.backend.store.wrap(key, computeValid, ttlSeconds * 1000);
      return Representation.revive<T>(stored);
    } catch (error) {
      if (computed === undefined) throw error;
      // The answer is good; only storing it failed.
      this.reportError(error);
      return computed;
    }
  }

  /** Whether an answer may still be served: not expired, and nothing it depends on has changed since it was computed. */
  async isCurrent(validity: Validity): Promise<boolean> {
    if (Date.now() >= validity.expiresAt) return false;
    try {
      return (await this.backend.generations.current(validity.dependsOn)) === validity.generations;
    } catch (error) {
      this.reportError(error);
      return false;
    }
  }

  /** Called for every ReadModelChangedEvent: answers computed from the old state become unreachable. */
  invalidate(resourceType: string, resourceId: string | null): void {
    const sent = this.backend.generations.bump(resourceType, resourceId);
    if (!sent) return;
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  /**
   * Waits (at most `maxWaitMs`) until the invalidations started so far have reached the shared store: a write
   * answers only then, so that a read on another instance after the answer never finds the old data, nor a 304 for
   * an old tag. Past the wait (Redis slow or down) the write answers anyway: its invalidation is resent (see
   * RedisGenerations) and the old answers end with their TTL at the latest.
   */
  async invalidationsSent(maxWaitMs = 250): Promise<void> {
    if (this.inFlight.size === 0) return;
    await Promise.race([Promise.all(this.inFlight), sleep(maxWaitMs, undefined, { ref: false })]);
  }

  onApplicationShutdown(): Promise<void> {
    return this.backend.close();
  }
}
