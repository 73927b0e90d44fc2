import { characterLength, isBlank } from '../../common/text.js';
import { isIso4217 } from './currency.js';
import type { EditableProductField, NewProduct, ProductPatch } from './product.js';

// The limits of a product's fields: the request DTOs show them to clients, the decider enforces them.
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const NAME_MAX_LENGTH = 200;
export const DESCRIPTION_MAX_LENGTH = 2000;
export const REASON_MAX_LENGTH = 200;
/** Prices and stock are PostgreSQL integers. */
export const MAX_INT = 2_147_483_647;

const isInt = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isText = (v: unknown, min: number, max: number) => typeof v === 'string' && characterLength(v) >= min && characterLength(v) <= max;
/** Text a person reads back (a name, a reason): at least one visible character. */
const isShownText = (v: unknown, max: number) => isText(v, 1, max) && !isBlank(v as string);

const FIELD_RULES: Record<EditableProductField, (v: unknown) => boolean> = {
  sku: (v) => typeof v === 'string' && SKU_PATTERN.test(v),
  name: (v) => isShownText(v, NAME_MAX_LENGTH),
  description: (v) => v === null || isText(v, 0, DESCRIPTION_MAX_LENGTH),
  priceCents: (v) => isInt(v, 0, MAX_INT),
  currency: (v) => typeof v === 'string' && isIso4217(v),
};

/** The fields of `values` that break a rule (a field that is present but undefined counts as absent). */
export function invalidProductFields(values: ProductPatch | NewProduct): EditableProductField[] {
  return (Object.keys(FIELD_RULES) as EditableProductField[]).filter((f) => {
    const v = (values as Record<string, unknown>)[f];
    return v !== undefined && !FIELD_RULES[f](v);
  });
}

export function isValidDelta(delta: unknown): delta is number {
  return isInt(delta, -MAX_INT, MAX_INT) && delta !== 0;
}

export function isValidReason(reason: unknown): reason is string {
  return isShownText(reason, REASON_MAX_LENGTH);
}
