import { ValidateBy, type ValidationOptions } from 'class-validator';

// RFC 3339: the one ISO 8601 profile that both JavaScript and PostgreSQL read the same way. ISO 8601 proper also
// allows week dates, basic format and decimal commas, which `Date` cannot parse; year 0000 is no year in PostgreSQL.
const RFC_3339 = /^(?!0000)\d{4}-\d{2}-\d{2}(?:T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/i;

/** A calendar-valid RFC 3339 date-time (or full-date, read as UTC midnight) that `new Date()` turns into the same instant. */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string' || !RFC_3339.test(value) || Number.isNaN(Date.parse(value))) return false;
  // Date rolls 2026-02-30 over into March; a day beyond its month's last is a typo, not an instant.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

/** Day 0 of the next month is the last of this one; setUTCFullYear, unlike Date.UTC, reads years below 100 as given. */
function daysIn(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

export const IsInstant = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: isInstant,
        defaultMessage: (args) => `${args?.property} must be an RFC 3339 date-time with seconds and offset, e.g. 2030-01-01T00:00:00Z, or a date (UTC midnight)`,
      },
    },
    options,
  );

/** An instant after the moment of validation; says nothing when the value is no instant (IsInstant does). */
export const IsFutureInstant = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isFutureInstant',
      validator: {
        validate: (value: unknown) => !isInstant(value) || Date.parse(value) > Date.now(),
        defaultMessage: (args) => `${args?.property} must be in the future`,
      },
    },
    options,
  );

/** A validated optional instant as the commands take it: left out stays undefined, null stays null ("none"). */
export const toDate = (value: string | null | undefined): Date | null | undefined =>
  value === undefined || value === null ? value : new Date(value);
