import { Catch, type ArgumentsHost, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem, toProblem } from './problem-response.js';

const logger = new Logger('Errors');

/** Every error leaves as RFC 9457 problem+json; 5xx causes go to the log, never to the client. */
export function answerError(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const problem = toProblem(exception);
  if (problem.status >= 500) {
    logger.error({ err: exception, requestId: request.id }, 'Unhandled error');
  }
  if (reply.sent) return;
  sendProblem(request, reply, problem);
}

/** Errors thrown in Nest's pipeline. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    answerError(exception, ctx.getRequest<FastifyRequest>(), ctx.getResponse<FastifyReply>());
  }
}
