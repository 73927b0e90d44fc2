import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { lastValueFrom, of, type Observable } from 'rxjs';
import { PROBLEM_CONTENT_TYPE } from '../http/problem.js';
import { problemBody, toProblem } from '../http/problem-response.js';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey, requestFingerprint } from './idempotency-request.js';
import { IdempotencyScope, type IdempotencyKeyRef } from './idempotency-scope.js';
import { IdempotencyStore, type ExistingKey } from './idempotency.store.js';
import { keyInProgressProblem, keyReusedProblem, outcomeNotRecordedProblem } from './idempotency.problems.js';
import type { StoredResponse } from './sealed-response.js';

export const REPLAYED_HEADER = 'idempotent-replayed';
/** Headers of the first response that describe its body; the rest (request id, rate limits) belong to each answer. */
const REPLAYED_HEADERS = ['content-type', 'location', 'content-location', 'etag', 'last-modified'];
const RETRY_AFTER_SECONDS = 1;

/**
 * `Idempotency-Key` on every POST, for every route, with no code in the routes. Runs after the AccessGuard, so keys
 * are scoped to the user (issuer + sub). A request with a key:
 * - claims it (one row per user and key; a concurrent duplicate finds the row and gets 409 with Retry-After);
 * - runs inside an IdempotencyScope, whose transactions mark the key "took effect" as they commit;
 * - then stores its response, which later requests with the same key and fingerprint get back (422 for another
 *   fingerprint). A request that failed without committing anything frees the key: a retry runs afresh.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(private readonly store: IdempotencyStore) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const header = request.headers[IDEMPOTENCY_KEY_HEADER];
    // A @Public() POST has no user to scope keys to.
    if (request.method !== 'POST' || header === undefined || !request.user) return next.handle();

    const ref: IdempotencyKeyRef = { issuer: request.user.issuer, subject: request.user.sub, key: parseIdempotencyKey(header) };
    const fingerprint = requestFingerprint(request);
    const claim = await this.store.claim(ref, fingerprint, request.id);
    if (!claim.held) return of(replay(reply, answerFor(claim.existing, fingerprint)));

    const scope = new IdempotencyScope(ref, claim.lockToken);
    let body: unknown;
    try {
      // next.handle() binds the handler to the async context it is called in: the scope.
      body = await lastValueFrom(scope.run(() => next.handle()), { defaultValue: undefined });
    } catch (error) {
      scope.close();
      await this.settleFailure(scope, request, error);
      throw error;
    }
    scope.close();
    await this.record(scope, successResponse(reply, body));
    return of(body);
  }

  /** A failure that committed nothing frees the key; one that did (rare: an error after the commit) is the answer. */
  private async settleFailure(scope: IdempotencyScope, request: FastifyRequest, error: unknown): Promise<void> {
    try {
      if (!scope.committed && (await this.store.release(scope.ref, scope.lockToken))) return;
    } catch (err) {
      this.logger.warn({ err, requestId: request.id }, 'Could not release an idempotency key');
      return;
    }
    const problem = toProblem(error);
    await this.record(scope, {
      status: problem.status,
      headers: { 'content-type': PROBLEM_CONTENT_TYPE },
      body: JSON.stringify(problemBody(request, problem)),
    });
  }

  /**
   * Stored before the response is sent, so a retry that follows the response always finds it. If storing fails, the
   * client still gets its answer; the key then says "took effect, response not recorded" (never a second run).
   */
  private async record(scope: IdempotencyScope, response: StoredResponse): Promise<void> {
    try {
      await this.store.complete(scope.ref, scope.lockToken, response);
    } catch (err) {
      this.logger.error({ err }, 'Could not store the response of an idempotent request');
    }
  }
}

/** What a later request with a used key gets: the first response, or why it cannot have it (yet). */
function answerFor(existing: ExistingKey | null, fingerprint: string): StoredResponse {
  if (!existing) throw keyInProgressProblem(RETRY_AFTER_SECONDS);
  if (existing.fingerprint !== fingerprint) throw keyReusedProblem();
  if (existing.response) return existing.response;
  if (existing.inProgress) throw keyInProgressProblem(RETRY_AFTER_SECONDS);
  throw outcomeNotRecordedProblem();
}

function successResponse(reply: FastifyReply, body: unknown): StoredResponse {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  if (body === undefined) return { status: reply.statusCode, headers, body: null };
  // The same serialisation Fastify applies to the first response, so the replay has the same bytes.
  if (typeof body === 'string') return { status: reply.statusCode, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body };
  return { status: reply.statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

function replay(reply: FastifyReply, response: StoredResponse): string | undefined {
  // A replay answers a write: never cacheable, whichever interceptor would have said so.
  reply.status(response.status).headers(response.headers).header(REPLAYED_HEADER, 'true').header('cache-control', 'no-store');
  return response.body ?? undefined;
}
