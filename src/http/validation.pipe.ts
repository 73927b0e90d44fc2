import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ProblemException, type FieldError } from './problem.js';

// A value of the wrong type gets that one message: "12.99" is "not an integer", not also "out of range".
const TYPE_CONSTRAINTS = ['isDefined', 'isInt', 'isNumber', 'isString', 'isBoolean', 'isObject', 'isArray'];

function messagesOf(constraints: Record<string, string>): string[] {
  const type = TYPE_CONSTRAINTS.find((name) => name in constraints);
  return type ? [constraints[type]] : Object.values(constraints);
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: messagesOf(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** At most this many fields are listed: a body of 30,000 unknown keys must not get an answer 35 times its size. */
const MAX_LISTED_FIELDS = 20;

function invalidFields(fields: FieldError[]): ProblemException {
  const listed = fields.slice(0, MAX_LISTED_FIELDS);
  const more = fields.length > listed.length ? ` and ${fields.length - listed.length} more` : '';
  return ProblemException.badRequest(`Invalid ${listed.map((f) => f.field).join(', ') || 'input'}${more}.`, listed);
}

// class-validator looks fields up in a plain object, where `toString` or `constructor` are always "known".
const OBJECT_PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Every body this API takes is an object: an array would be checked element by element as "unknown fields".
    const notAnObject = value === null || typeof value !== 'object' || Array.isArray(value);
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata) && value !== undefined && notAnObject) {
      throw ProblemException.badRequest('The body must be a JSON object.', [{ field: 'body', messages: ['must be a JSON object'] }]);
    }
    if ((metadata.type === 'body' || metadata.type === 'query') && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const inherited = Object.keys(value).filter((k) => OBJECT_PROTOTYPE_NAMES.has(k));
      if (inherited.length) throw invalidFields(inherited.map((field) => ({ field, messages: [`property ${field} should not exist`] })));
      // `?limit=1&limit=2` arrives as an array: no query parameter here is a list, so which one was meant is unknown.
      const repeated = metadata.type === 'query' ? Object.keys(value).filter((k) => Array.isArray((value as Record<string, unknown>)[k])) : [];
      if (repeated.length) throw invalidFields(repeated.map((field) => ({ field, messages: [`${field} must be given once`] })));
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
