import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isBlank } from '../common/text.js';

/** Text a person will read back (a name, a reason): whitespace or invisible characters alone say nothing: a 400. */
export const NotBlank = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'notBlank',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !isBlank(value),
        defaultMessage: (args) => `${args?.property} must not be blank`,
      },
    },
    options,
  );
