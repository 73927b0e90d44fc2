import { ProblemException } from './problem.js';

/** A keyset position: the sort timestamp and id of the last row of the previous page. */
export interface Cursor {
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at.toISOString(), c.id])).toString('base64url');
}

/** Opaque to clients; anything we did not issue is a 400, never a database error. */
export function decodeCursor(raw: string | undefined): Cursor | undefined {
  if (raw === undefined) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(at));
    if (typeof at === 'string' && typeof id === 'string' && UUID.test(id) && !Number.isNaN(date.getTime())) {
      return { at: date, id };
    }
  } catch {
    /* fall through */
  }
  throw ProblemException.badRequest('The cursor is not one this API issued.', [{ field: 'cursor', messages: ['invalid cursor'] }]);
}
