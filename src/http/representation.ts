import { createHash } from 'node:crypto';
import type { ResourceRef } from '../caching/cacheable.decorator.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** What a cached answer was computed from, and until when it may be served: the query cache sets it. */
export interface Validity {
  readonly dependsOn: readonly ResourceRef[];
  /** The generations of `dependsOn` read before the answer was computed. */
  readonly generations: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/**
 * A read's answer, serialised once: the JSON text that goes on the wire and its strong ETag. The query cache keeps
 * these, so a cached read sends a stored string and compares a stored tag; nothing is re-serialised or re-hashed.
 * `T` only documents the shape of the JSON.
 */
export class Representation<T = unknown> {
  declare readonly __shape?: T;

  constructor(
    readonly body: string,
    /** A strong entity-tag, quotes included. */
    readonly etag: string,
    /** Set on answers of cacheable queries only. */
    readonly validity?: Validity,
  ) {}

  /** `etag` when the resource has a better validator (e.g. its version); otherwise a hash of the JSON. */
  static of<T>(value: T, etag?: string): Representation<T> {
    const body = JSON.stringify(value);
    return new Representation<T>(body, etag ?? `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`);
  }

  /** The same representation after a trip through a store that only keeps plain data (Redis). */
  static revive<T>(stored: { body: string; etag: string; validity?: Validity }): Representation<T> {
    return stored instanceof Representation ? stored : new Representation<T>(stored.body, stored.etag, stored.validity);
  }
}
