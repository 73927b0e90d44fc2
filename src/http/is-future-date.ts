import { ValidateBy, type ValidationOptions } from 'class-validator';

/** An ISO 8601 instant after the moment of validation (pair it with @IsDateString for the format). */
export const IsFutureDate = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isFutureDate',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && Date.parse(value) > Date.now(),
        defaultMessage: (args) => `${args?.property} must be in the future`,
      },
    },
    options,
  );
