import type { OpenAPIObject, ParameterObject, ResponseObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../http/problem.js';

const KEY_PARAMETER: ParameterObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the request safe to retry: the same key from the same user with the same method, path and body returns the ' +
    'first response (with `Idempotent-Replayed: true`) and has no second effect. Keys last `IDEMPOTENCY_TTL_SECONDS`.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' },
  example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
};

const PROBLEM = { [PROBLEM_CONTENT_TYPE]: { schema: { type: 'object' } } };

const RETRY_AFTER = { description: 'Seconds to wait before retrying a request whose Idempotency-Key is in progress', schema: { type: 'integer' } };

const RESPONSES: Record<string, string> = {
  '400': 'A malformed Idempotency-Key.',
  '409': 'A request with the same Idempotency-Key is in progress (retry after `Retry-After`), or took effect without a recorded response.',
  '422': 'The Idempotency-Key was used for a different request (method, path or body).',
};

/**
 * Declares what IdempotencyInterceptor does on every POST, whoever wrote the route: the header, the
 * `Idempotent-Replayed` response header and the 400/409/422 answers (merged into those the route declares).
 */
export function documentIdempotency(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    const operation = item.post;
    if (!operation) continue;
    operation.parameters = [...(operation.parameters ?? []), KEY_PARAMETER];
    const responses = operation.responses as Record<string, ResponseObject>;
    for (const [status, response] of Object.entries(responses)) {
      if (!status.startsWith('2')) continue;
      response.headers = {
        ...response.headers,
        'Idempotent-Replayed': { description: '`true` when this is the stored response to an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } },
      };
    }
    for (const [status, description] of Object.entries(RESPONSES)) {
      const declared = responses[status];
      responses[status] = declared
        ? { ...declared, description: [declared.description, description].filter(Boolean).join(' Or: ') }
        : { description, content: PROBLEM };
    }
    responses['409'].headers = { ...responses['409'].headers, 'Retry-After': RETRY_AFTER };
  }
}
