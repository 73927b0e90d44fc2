import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

/** The RFC 9457 body every error answer has, declared once as the `Problem` component of the OpenAPI document. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'requestId'],
  properties: {
    type: { type: 'string', description: 'A URI naming the problem; about:blank when the status says it all' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request path' },
    requestId: { type: 'string', description: 'The X-Request-Id of the answer' },
    errors: {
      type: 'array',
      description: 'The offending fields of a 400',
      items: { type: 'object', properties: { field: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } } },
    },
  },
};

export const PROBLEM_CONTENT = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } };

/** Documents the error answers of an operation: status -> when it happens. */
export const ApiProblems = (responses: Record<number, string>) =>
  applyDecorators(
    ...Object.entries(responses).map(([status, description]) => ApiResponse({ status: Number(status), description, content: PROBLEM_CONTENT })),
  );
