import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ProblemException } from './problem.js';

/** A route parameter that must be a UUID: anything else is a 400 before any query runs. */
export const UuidParam = (name = 'id') =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () => ProblemException.badRequest(`${name} must be a UUID.`, [{ field: name, messages: [`${name} must be a UUID`] }]),
    }),
  );
