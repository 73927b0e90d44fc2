import { Catch, type ArgumentsHost, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem, toProblem } from './problem-response.js';

/** Every error leaves as RFC 9457 problem+json; 5xx causes go to the log, never to the client. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const problem = toProblem(exception);
    if (problem.status >= 500) {
      this.logger.error({ err: exception, requestId: request.id }, 'Unhandled error');
    }
    if (reply.sent) return;
    sendProblem(request, reply, problem);
  }
}
