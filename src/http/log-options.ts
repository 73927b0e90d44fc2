import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { stdSerializers, type LoggerOptions } from 'pino';
import { redactUrl } from './redact.js';
import type { AppConfig } from '../config/app-config.js';

/** Credentials never reach a log line, whichever serializer prints the request. */
const REDACTED = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'headers.authorization', 'headers["x-api-key"]'];

/** Fastify's own request serializer, but with the URL redacted. */
function logRequest(req: FastifyRequest) {
  return { method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

// What a database error may show in a log: never `parameters`, nor `detail` ("Key (sku)=(…)", "Failing row contains
// (…)"), which carry the statement's values: secret hashes, sealed responses, personal data.
const DATABASE_ERROR_FIELDS = ['type', 'message', 'stack', 'code', 'constraint', 'table', 'column', 'schema', 'routine', 'query'];
const pick = (o: Record<string, unknown>) => Object.fromEntries(DATABASE_ERROR_FIELDS.filter((k) => k in o).map((k) => [k, o[k]]));

/** pino's error serializer, with database errors (TypeORM's QueryFailedError, pg's errors) reduced to DATABASE_ERROR_FIELDS. */
function logError(err: Error) {
  const out = stdSerializers.err(err) as ReturnType<typeof stdSerializers.err> & { driverError?: unknown };
  const isDatabaseError = 'driverError' in out || 'parameters' in out || ('severity' in out && 'routine' in out);
  if (!isDatabaseError) return out;
  const driver = out.driverError && typeof out.driverError === 'object' ? { driverError: pick(out.driverError as Record<string, unknown>) } : {};
  return { ...pick(out), ...driver };
}

/**
 * One set of pino options for Fastify's logger and for the logger Nest's `Logger` writes through outside a
 * request (nestjs-pino's root): both honour LOG_LEVEL and the redactions.
 */
export function logOptions(config: AppConfig): LoggerOptions {
  return { level: config.logLevel, redact: { paths: REDACTED, censor: '[redacted]' }, serializers: { req: logRequest as never, err: logError } };
}

/** One access-log line per request, with the request and the outcome, instead of Fastify's two: half the cost. */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
