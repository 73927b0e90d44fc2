import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ProblemException, type FieldError } from './problem.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

const invalidFields = (fields: FieldError[]) =>
  ProblemException.badRequest(`Invalid ${fields.map((f) => f.field).join(', ') || 'input'}.`, fields);

// class-validator looks fields up in a plain object, where `toString` or `constructor` are always "known".
const OBJECT_PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if ((metadata.type === 'body' || metadata.type === 'query') && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const inherited = Object.keys(value).filter((k) => OBJECT_PROTOTYPE_NAMES.has(k));
      if (inherited.length) throw invalidFields(inherited.map((field) => ({ field, messages: [`property ${field} should not exist`] })));
    }
    return super.transform(value, metadata);
  }
}

/** Unknown fields are refused, not dropped: a client that sends `ownerId` or `version` must learn it was not honoured. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => invalidFields(flatten(errors)),
  });
}
