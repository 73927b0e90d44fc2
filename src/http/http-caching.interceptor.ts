import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { map, type Observable } from 'rxjs';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';

const READS = new Set(['GET', 'HEAD']);

function matches(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === etag);
}

/**
 * Reads: a strong ETag (the handler's own, e.g. from a version, or a hash of the body), `Cache-Control` and 304 on
 * a matching `If-None-Match`. Guards run first, so a 304 only ever goes to a caller who would get the 200.
 * Writes: `no-store`.
 */
@Injectable()
export class HttpCachingInterceptor implements NestInterceptor {
  private readonly cacheControl: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.cacheControl = `private, max-age=${config.cache.maxAgeSeconds}`;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (!READS.has(request.method)) {
      reply.header('cache-control', 'no-store');
      return next.handle();
    }
    return next.handle().pipe(
      map((body: unknown) => {
        // Serialise once: the same string is hashed and sent.
        const json = JSON.stringify(body);
        let etag = reply.getHeader('etag') as string | undefined;
        if (!etag) {
          etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"`;
          reply.header('etag', etag);
        }
        // A handler may choose its own (e.g. no-store for the list of API keys); otherwise the default.
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', this.cacheControl);
        reply.header('vary', 'X-API-Key, Authorization');
        const inm = request.headers['if-none-match'];
        if (typeof inm === 'string' && matches(inm, etag)) {
          reply.status(304);
          return undefined;
        }
        reply.header('content-type', 'application/json; charset=utf-8');
        return json;
      }),
    );
  }
}
