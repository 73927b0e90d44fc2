import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem-response.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { REQUEST_ID_HEADER } from './request-id.js';

const ANSWERS: Record<string, { status: number; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, detail: 'The request headers are larger than this server accepts.' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, detail: 'The chunk extensions are larger than this server accepts.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'The request took too long to arrive.' },
};
const MALFORMED = { status: 400, detail: 'The request is not well-formed HTTP.' };

/**
 * Fastify's `clientErrorHandler`: Node's HTTP parser refused the request before Fastify saw it, so there is no
 * request object, no hooks and no filter. The answer is still a problem+json with a (fresh) request id, and the
 * connection is closed since the parser cannot tell where the next request would start.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { status, detail } = ANSWERS[err.code ?? ''] ?? MALFORMED;
  const requestId = randomUUID();
  const title = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, requestId });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\n` +
      `content-type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `${REQUEST_ID_HEADER}: ${requestId}\r\n` +
      'cache-control: no-store\r\n' +
      'connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Fastify's `frameworkErrors`: its router refused the URL (bad percent-encoding, an over-long parameter) before any
 * hook ran. Without this, Fastify answers its own JSON, with the whole URL (and any key in its query) in the message.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  sendProblem(request, reply, {
    status: tooLong ? 414 : 400,
    detail: tooLong ? 'A path parameter is longer than this server accepts.' : 'The URL is not validly percent-encoded.',
  });
}
