import { Param, ParseUUIDPipe, type ArgumentMetadata } from '@nestjs/common';
import { ProblemException } from './problem.js';

/**
 * UUIDs are case-insensitive (RFC 9562 §4) but stored and compared in lower case: an id given in upper case must find,
 * invalidate and audit the same row, not a second spelling of it.
 */
class ParseLowerCaseUuidPipe extends ParseUUIDPipe {
  override async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    // Not optional here, so the parent returns the value it validated.
    return String(await super.transform(value, metadata)).toLowerCase();
  }
}

/** A route parameter that must be a UUID: anything else is a 400 before any query runs. */
export const UuidParam = (name = 'id') =>
  Param(
    name,
    new ParseLowerCaseUuidPipe({
      exceptionFactory: () => ProblemException.badRequest(`${name} must be a UUID.`, [{ field: name, messages: [`${name} must be a UUID`] }]),
    }),
  );
