import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { apiKeyFingerprint } from '../auth/api-keys/api-key-format.js';
import { API_KEY_HEADER } from '../auth/api-keys/api-key.strategy.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ifNoneMatchMatches } from '../http/if-none-match.js';
import { JSON_CONTENT_TYPE, type Representation, type Validity } from '../http/representation.js';
import { QueryCache } from './query-cache.js';

/** The headers of a read's answer that belong to the answer (not to the request, like its id or rate limit). */
const REPLAYED_HEADERS = ['etag', 'cache-control', 'vary'] as const;

interface Entry {
  body: string;
  etag: string;
  headers: Record<string, string>;
  validity: Validity;
}

/** What a request must pass before a stored answer is given to it: the same check Nest's guard runs for a key read. */
export type AdmitKeyRead = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Whole answers of reads made with an API key alone, per key and URL, replayed from a Fastify hook before Nest's
 * routing, guards, pipes and interceptors run: a cached read then costs the access check and a lookup.
 * - An answer is stored only after Nest's pipeline produced it as a 200 for this key (so the URL was routed,
 *   validated and authorised), and only when it came from the query cache with its validity.
 * - It is replayed only while the query cache would still answer it: not expired, and the generations of what it
 *   depends on unchanged (writes bump them, on every instance sharing Redis).
 * - Every replay first runs the guard's own key check (revoked, expired, rotated keys are refused; rate limits are
 *   charged; usage is counted): a refusal is answered as the guard would answer it.
 * - Keyed by a hash of the whole key, so one key's answers never go to another (nor to its id with another secret);
 *   requests with a bearer token, HEAD and anything that is not a GET go through Nest.
 */
@Injectable()
export class ResponseCache {
  private readonly entries: LRUCache<string, Entry> | null;

  constructor(
    private readonly queries: QueryCache,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.entries = config.cache.queryTtlSeconds > 0 ? new LRUCache({ max: config.cache.queryMaxEntries }) : null;
  }

  /** Keeps an answer Nest just sent with status 200 to a request authenticated by its API key alone. */
  remember(request: FastifyRequest, reply: FastifyReply, answer: Representation): void {
    const rawKey = request.headers[API_KEY_HEADER];
    if (!this.entries || !answer.validity || request.method !== 'GET' || typeof rawKey !== 'string') return;
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (typeof value === 'string') headers[name] = value;
    }
    this.entries.set(entryKey(rawKey, request.url), { body: answer.body, etag: answer.etag, headers, validity: answer.validity });
  }

  /** True when the request was answered here; false to let Nest handle it (nothing was done to it then). */
  async replay(request: FastifyRequest, reply: FastifyReply, admit: AdmitKeyRead, answerProblem: (error: unknown) => void): Promise<boolean> {
    if (!this.entries || request.method !== 'GET' || request.headers.authorization !== undefined) return false;
    const rawKey = request.headers[API_KEY_HEADER];
    if (typeof rawKey !== 'string') return false;
    const key = entryKey(rawKey, request.url);
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (!(await this.queries.isCurrent(entry.validity))) {
      this.entries.delete(key);
      return false;
    }
    try {
      await admit(request, reply);
    } catch (error) {
      answerProblem(error);
      return true;
    }
    reply.headers(entry.headers);
    // A 304 carries the headers the 200 would have, and no body (as HttpCachingInterceptor answers it).
    if (ifNoneMatchMatches(request.headers['if-none-match'], entry.etag)) reply.status(304).send();
    else reply.header('content-type', JSON_CONTENT_TYPE).send(entry.body);
    return true;
  }
}

/**
 * By the whole key, not its public id: a request with another application's key id and a made-up secret never finds
 * its entries, so the time of its 401 cannot tell which URLs that application read lately.
 */
function entryKey(rawKey: string, url: string): string {
  return `${apiKeyFingerprint(rawKey)}\n${url}`;
}
