import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProblemException, type FieldError } from './problem.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Unknown fields are refused, not dropped: a client that sends `ownerId` or `version` must learn it was not honoured. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return ProblemException.badRequest(
        `Invalid ${fields.map((f) => f.field).join(', ') || 'input'}.`,
        fields,
      );
    },
  });
}
