import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemException, STATUS_TITLES, type ProblemInit } from './problem.js';
import { redactSecrets } from './redact.js';
import { pathOf } from './request-path.js';
import { REQUEST_ID_HEADER } from './request-id.js';

const TOO_LARGE = 'The request body is larger than this server accepts.';
const JSON_ONLY = 'Send the body as application/json.';

/** Connection failures and server shutdowns (SQLSTATE classes 08 and 57P) say "try later", not "we broke". */
function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown }; message?: unknown } | null;
  const code = String(e?.driverError?.code ?? e?.code ?? '');
  return (
    /^(08|57P)/.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(code) ||
    (typeof e?.message === 'string' && /Connection terminated|timeout exceeded when trying to connect/.test(e.message))
  );
}

/** Nest's "Cannot GET /path?query" names the URL: its query may hold a secret (an api_key sent the wrong way). */
const withoutQuery = (detail: string | undefined) => detail?.replace(/^(Cannot [A-Z]+ [^?\s]*)\?\S*/, '$1');

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Maps anything thrown, by Nest or by Fastify before Nest saw the request, to a problem.
 * Only messages we wrote ourselves reach the client: unknown errors become a bare 500.
 */
export function toProblem(error: unknown): ProblemInit {
  if (error instanceof ProblemException) return error.problem;
  if (isDatabaseUnavailable(error)) {
    return { status: 503, detail: 'The database is unavailable; try again shortly.', headers: { 'retry-after': '5' } };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 413) return { status, detail: TOO_LARGE };
    if (status === 415) return { status, detail: JSON_ONLY };
    const body = error.getResponse();
    const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : undefined;
    return { status, detail: status >= 500 ? undefined : withoutQuery(detail) };
  }
  const fe = error as FastifyLikeError;
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return { status: 413, detail: TOO_LARGE };
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return { status: fe.statusCode, detail: JSON_ONLY };
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return { status: 400, detail: 'The body is empty; send a JSON object.' };
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      default:
        if (error instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
          return { status: 400, detail: 'The body is not valid JSON.' };
        return { status: fe.statusCode, detail: fe.statusCode === 415 ? JSON_ONLY : undefined };
    }
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, detail: 'An unexpected error occurred.' };
}

/** The problem+json body of a problem answered to `request`. */
export function problemBody(request: FastifyRequest, problem: ProblemInit): Record<string, unknown> {
  return {
    type: problem.type ?? 'about:blank',
    title: problem.title ?? STATUS_TITLES[problem.status] ?? 'Error',
    status: problem.status,
    ...(problem.detail ? { detail: redactSecrets(problem.detail) } : {}),
    instance: redactSecrets(pathOf(request.url)),
    requestId: request.id,
    ...(problem.errors
      ? { errors: problem.errors.map((e) => ({ field: redactSecrets(e.field), messages: e.messages.map(redactSecrets) })) }
      : {}),
    ...(problem.extensions ?? {}),
  };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemInit): void {
  const body = problemBody(request, problem);
  if (problem.headers) reply.headers(problem.headers);
  reply
    .status(problem.status)
    // Also here, not only in the onRequest hook: some answers (`OPTIONS *`, router errors) come before any hook runs.
    .header(REQUEST_ID_HEADER, request.id)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('cache-control', 'no-store')
    .send(JSON.stringify(body));
}
