import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../http/problem.js';

const type = (name: string) => `urn:cqrs-reference:problem:${name}`;

/** The key was first used for another request (method, path or body). */
export const keyReusedProblem = () =>
  new ProblemException({
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    type: type('idempotency-key-reused'),
    detail: 'This Idempotency-Key was used for a different request (method, path or body). Use a new key for a new request.',
  });

/** Another request with the key is running: the client retries shortly and then gets its answer. */
export const keyInProgressProblem = (retryAfterSeconds: number) =>
  new ProblemException({
    status: HttpStatus.CONFLICT,
    type: type('idempotency-key-in-progress'),
    detail: 'A request with this Idempotency-Key is in progress. Retry after it has answered.',
    headers: { 'retry-after': String(retryAfterSeconds) },
  });

/** The first request took effect, but the process stopped before its response was stored. */
export const outcomeNotRecordedProblem = () =>
  new ProblemException({
    status: HttpStatus.CONFLICT,
    type: type('idempotency-key-outcome-not-recorded'),
    detail:
      'A request with this Idempotency-Key took effect, but its response was not recorded. ' +
      'It is not run again: read the resource (or the audit trail) to see the result.',
  });

/** This request held the key too long and a retry took it over: its transaction must not commit. */
export const keyLostProblem = () =>
  new ProblemException({
    status: HttpStatus.CONFLICT,
    type: type('idempotency-key-in-progress'),
    detail: 'This request lost its Idempotency-Key to a retry and was not applied.',
  });
