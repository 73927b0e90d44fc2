import { ProblemException, STATUS_TITLES } from '../../http/problem.js';
import type { DomainError } from '../domain/product-decider.js';

const STATUS: Record<DomainError['kind'], number> = {
  invalid: 400,
  'not-found': 404,
  forbidden: 403,
  'precondition-failed': 412,
  conflict: 409,
};

/** A rule's refusal as the HTTP problem a client gets. */
export function problemOf(error: DomainError): ProblemException {
  const status = STATUS[error.kind];
  return new ProblemException({
    status,
    title: STATUS_TITLES[status],
    detail: error.detail,
    errors: error.fields?.map((field) => ({ field, messages: [error.detail] })),
  });
}
