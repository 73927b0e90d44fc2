/**
 * What a query's answer is computed from, as the read side names it in `ReadModelChangedEvent`:
 * `[type, id]` for one resource, `[type, null]` for the collection (lists, searches, counts).
 */
export type ResourceRef = readonly [resourceType: string, resourceId: string | null];

export interface CachePolicy<Q = unknown> {
  /** The query type's name in cache keys: its class name, unique among cacheable queries. */
  readonly name: string;
  readonly dependsOn: (query: Q) => readonly ResourceRef[];
  /** Overrides QUERY_CACHE_TTL_SECONDS for this query. */
  readonly ttlSeconds?: number;
}

const policies = new WeakMap<object, CachePolicy<any>>();
const classesByName = new Map<string, object>();

/**
 * Marks a query class as cacheable by the query cache. Its answers are then keyed by every field of the query and by
 * the current generation of each resource it depends on, so a change to any of them makes the old answer unreachable.
 * Everything the answer depends on must be a field of the query: a query whose answer depends on the caller carries
 * the caller (e.g. `apiKeyId`) as a field, and is then cached per caller.
 */
export function Cacheable<Q>(options: { dependsOn: (query: Q) => readonly ResourceRef[]; ttlSeconds?: number }) {
  return (target: abstract new (...args: any[]) => Q): void => {
    const name = target.name;
    const other = classesByName.get(name);
    if (other && other !== target) throw new Error(`Two cacheable queries are named ${name}: their answers would share keys.`);
    classesByName.set(name, target);
    policies.set(target, { name, ...options });
  };
}

/** The policy of the query's own class (not inherited: a subclass may read something else). */
export function cachePolicyOf<Q extends object>(query: Q): CachePolicy<Q> | undefined {
  return policies.get(query.constructor);
}
