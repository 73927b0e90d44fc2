import { Matches, type ValidationOptions } from 'class-validator';

/** Text a person will read back (a name, a reason): whitespace alone says nothing, so it is a 400. */
export const NotBlank = (options?: ValidationOptions) =>
  Matches(/\S/, { message: ({ property }) => `${property} must not be blank`, ...options });
