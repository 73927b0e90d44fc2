import { HttpException, HttpStatus } from '@nestjs/common';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  field: string;
  messages: string[];
}

export interface ProblemInit {
  status: number;
  title?: string;
  detail?: string;
  /** A URI naming the problem; defaults to about:blank (RFC 9457 §4.2.1). */
  type?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

/** The one exception the app throws for a client-facing error: it carries the problem body and its headers. */
export class ProblemException extends HttpException {
  readonly problem: ProblemInit;

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title ?? 'Error', init.status);
    this.problem = init;
  }

  static badRequest(detail: string, errors?: FieldError[]) {
    return new ProblemException({ status: HttpStatus.BAD_REQUEST, title: 'Bad Request', detail, errors });
  }

  static notFound(detail: string) {
    return new ProblemException({ status: HttpStatus.NOT_FOUND, title: 'Not Found', detail });
  }

  static conflict(detail: string, type?: string) {
    return new ProblemException({ status: HttpStatus.CONFLICT, title: 'Conflict', detail, type });
  }

  static forbidden(detail: string, headers?: Record<string, string>) {
    return new ProblemException({ status: HttpStatus.FORBIDDEN, title: 'Forbidden', detail, headers });
  }
}

export const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
