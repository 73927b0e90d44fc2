// Plain functions about text that the domain, the validators and the token checks share.

const VISIBLE = /[^\s\p{Cf}]/u;

/** Nothing a reader would see: empty, whitespace, or format characters alone (a zero-width space, a BOM). */
export const isBlank = (value: string): boolean => !VISIBLE.test(value);

/** Length in characters (code points), as JSON Schema's maxLength and PostgreSQL count it, not UTF-16 units. */
export const characterLength = (value: string): number => {
  let n = 0;
  for (const _ of value) n++;
  return n;
};

// PostgreSQL text cannot hold NUL, and an unpaired surrogate is not UTF-8: refused here as a 400, not a 500 later.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether PostgreSQL can store the string as text (no NUL, no unpaired surrogate). */
export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);
