import {
  Inject,
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ifNoneMatchMatches } from './if-none-match.js';
import { ResponseCache } from '../caching/response-cache.js';
import { JSON_CONTENT_TYPE, Representation } from './representation.js';

const READS = new Set(['GET', 'HEAD']);
const CACHE_CONTROL = 'http:cache-control';

/** A route whose successful reads must not be cached as the API's reads are (health: `no-store`). */
export const CacheControl = (value: string) => SetMetadata(CACHE_CONTROL, value);

/**
 * Reads: a strong ETag (the answer's own, e.g. a product's version, or a hash of the JSON), `Cache-Control`, `Vary`,
 * and 304 without a body when `If-None-Match` matches (weak comparison, lists and `*`, RFC 9110 §13.1.2).
 * Guards and pipes run first, so a 304 only ever goes to a caller who would have got the 200: a bad key is a 401.
 * The JSON is serialised once, here or by the query cache, and sent as the string it is.
 * Writes: `no-store` (errors get it from the problem filter).
 */
@Injectable()
export class HttpCachingInterceptor implements NestInterceptor {
  private readonly keyOnly: string;
  private readonly withUser: string;
  /** Route overrides, read once per handler rather than through the reflector on every request. */
  private readonly overrides = new WeakMap<object, string | null>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly responses: ResponseCache,
  ) {
    this.keyOnly = config.cache.cacheControl;
    // An answer that needed a user token is that user's: never for a shared cache, whatever a CDN is allowed.
    this.withUser = `private, max-age=${config.cache.maxAgeSeconds}`;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (!READS.has(request.method)) {
      reply.header('cache-control', 'no-store');
      return next.handle();
    }
    const override = this.overrideFor(context);
    return next.handle().pipe(
      map((value: unknown) => {
        const answer = value instanceof Representation ? value : Representation.of(value, reply.getHeader('etag') as string | undefined);
        reply.header('etag', answer.etag);
        if (override) {
          reply.header('cache-control', override);
        } else if (request.user) {
          reply.header('cache-control', this.withUser).header('vary', 'X-API-Key, Authorization');
        } else {
          reply.header('cache-control', this.keyOnly).header('vary', 'X-API-Key');
          // Guards passed on the key alone: the same key may have this answer again without the pipeline.
          if (request.apiKey && request.headers.authorization === undefined) this.responses.remember(request, reply, answer);
        }
        // A 304 carries the headers the 200 would have (RFC 9110 §15.4.5), and no body.
        const notModified = ifNoneMatchMatches(request.headers['if-none-match'], answer.etag);
        if (notModified) reply.status(304);
        // HEAD: Fastify sends no body but measures the one it is given for Content-Length, which must be the
        // 200's (RFC 9110 §8.6), never 0.
        if (notModified && request.method !== 'HEAD') return undefined;
        reply.header('content-type', JSON_CONTENT_TYPE);
        return answer.body;
      }),
    );
  }

  private overrideFor(context: ExecutionContext): string | null {
    const handler = context.getHandler();
    let value = this.overrides.get(handler);
    if (value === undefined) {
      value =
        (Reflect.getMetadata(CACHE_CONTROL, handler) as string | undefined) ??
        (Reflect.getMetadata(CACHE_CONTROL, context.getClass()) as string | undefined) ??
        null;
      this.overrides.set(handler, value);
    }
    return value;
  }
}
