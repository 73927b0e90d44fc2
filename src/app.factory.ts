import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module.js';
import { AccessGuard } from './auth/access.guard.js';
import { admitWritesBeforeTheirBody } from './auth/write-access.hook.js';
import { ResponseCache } from './caching/response-cache.js';
import { answerError } from './http/problem-details.filter.js';
import type { AppConfig } from './config/app-config.js';
import { setUpOpenApi } from './docs/openapi.js';
import { answerClientError, answerFrameworkError } from './http/client-error.js';
import { AccessLog, logOptions } from './http/log-options.js';
import { acceptJsonBodiesOnly } from './http/json-body.js';
import { answerMethodNotAllowed } from './http/method-not-allowed.js';
import { refuseRepeatedHeaders } from './http/single-headers.js';
import { refuseUnstorableInput } from './http/unstorable-input.hook.js';
import { REQUEST_ID_HEADER, requestIdFor } from './http/request-id.js';
import { createValidationPipe } from './http/validation.pipe.js';

/** The whole HTTP application, as main.ts, the tests and the benchmark run it. */
export async function createApp(config: AppConfig, databaseUrl: string): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    logger: logOptions(config),
    genReqId: requestIdFor,
    requestIdHeader: false,
    logController: new AccessLog(),
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: trustProxySetting(config.http.trustProxy) as boolean | string,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, databaseUrl), adapter, {
    bufferLogs: true,
    // Fastify's own JSON parser only: Nest's default would add form bodies, and writes take JSON alone (else 415).
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  acceptJsonBodiesOnly(fastify);
  fastify.addHook('preValidation', refuseUnstorableInput);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  answerMethodNotAllowed(fastify);
  refuseRepeatedHeaders(fastify);
  // Every log line written while a request is handled carries its id, from here on (the hooks above log nothing).
  const contextLogger = await app.resolve(PinoLogger);
  fastify.addHook('onRequest', (request, _reply, done) => {
    contextLogger.runInContext(done, { bindings: { reqId: request.id } });
  });
  replayCachedReads(fastify, app.get(ResponseCache), app.get(AccessGuard));
  admitWritesBeforeTheirBody(fastify, app.get(AccessGuard));
  setUpOpenApi(app, config);
  await app.init();
  return app;
}

/** A read the response cache can answer is answered before Nest's routing (see ResponseCache). */
function replayCachedReads(fastify: FastifyInstance, responses: ResponseCache, access: AccessGuard): void {
  const admit = (request: FastifyRequest, reply: FastifyReply) => access.admitKeyRead(request, reply);
  fastify.addHook('onRequest', async (request, reply) => {
    if (await responses.replay(request, reply, admit, (error) => answerError(error, request, reply))) return reply;
  });
}

/** Only a configured proxy may speak for the client's address: otherwise X-Forwarded-For is ignored. */
function trustProxySetting(value: string | undefined): boolean | string | number {
  if (!value) return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
