import { createHash } from 'node:crypto';
import type { Page } from '../database/keyset-page.js';
import { ProblemException } from './problem.js';

/** A keyset position: the sort timestamp and id of the last row of the previous page. */
export interface Cursor {
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The identity of a list: its name and every filter that shapes it (not the cursor or the limit), canonical so
 * that the same query always gives the same string, e.g. `audit-events?action=products.create&actor=alice`.
 */
export function cursorScope(list: string, filters: Record<string, string | Date | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const name of Object.keys(filters).sort()) {
    const value = filters[name];
    if (value !== undefined) params.append(name, value instanceof Date ? value.toISOString() : value);
  }
  const query = params.toString();
  return query ? `${list}?${query}` : list;
}

/**
 * Binds the payload to the list it pages through and catches any change to it. Not a secret MAC: a cursor only
 * names a position a client could reach by paging anyway; the tag keeps a cursor from being edited or carried over
 * to another query, where it would silently skip or repeat rows.
 */
function tag(payload: string, scope: string): string {
  return createHash('sha256').update(`${payload}\n${scope}`).digest('base64url').slice(0, 16);
}

export function encodeCursor(c: Cursor, scope: string): string {
  const payload = Buffer.from(JSON.stringify([c.at.toISOString(), c.id])).toString('base64url');
  return `${payload}.${tag(payload, scope)}`;
}

// The tag is computable by anyone, so the payload is checked as if it were input: a year PostgreSQL cannot store
// would otherwise reach the database as an error instead of a 400.
const withinPostgresRange = (d: Date) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999;

/** Opaque to clients; anything we did not issue for this very query (same list, same filters) is a 400, never a database error. */
export function decodeCursor(raw: string | undefined, scope: string): Cursor | undefined {
  if (raw === undefined) return undefined;
  const [payload, given, ...rest] = raw.split('.');
  if (rest.length === 0 && given !== undefined && given === tag(payload, scope)) {
    try {
      const [at, id] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
      const date = new Date(String(at));
      if (typeof at === 'string' && typeof id === 'string' && UUID.test(id) && withinPostgresRange(date)) {
        return { at: date, id };
      }
    } catch {
      /* fall through */
    }
  }
  throw ProblemException.badRequest('The cursor is not one this API issued.', [{ field: 'cursor', messages: ['invalid cursor'] }]);
}

/** The `{ data, nextCursor }` body every list answers with, its cursor bound to the list's scope. */
export function pageBody<Row, Item>(page: Page<Row>, toItem: (row: Row) => Item, scope: string): { data: Item[]; nextCursor: string | null } {
  return { data: page.rows.map(toItem), nextCursor: page.next ? encodeCursor(page.next, scope) : null };
}
