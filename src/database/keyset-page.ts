import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { Cursor } from '../http/cursor.js';

export interface Page<T> {
  rows: T[];
  /** Position after the last row, or null on the last page. */
  next: Cursor | null;
}

/**
 * Newest-first keyset pagination on (timestamp, id): stable while rows are inserted, and O(limit) at any depth.
 * Timestamps are stored with millisecond precision so that a cursor round-trips through a JS Date exactly.
 */
export async function keysetPage<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  columns: { at: string; id: string },
  atOf: (row: T) => Date,
  idOf: (row: T) => string,
  after: Cursor | undefined,
  limit: number,
): Promise<Page<T>> {
  if (after) qb.andWhere(`(${columns.at}, ${columns.id}) < (:afterAt, :afterId)`, { afterAt: after.at, afterId: after.id });
  const rows = await qb.orderBy(columns.at, 'DESC').addOrderBy(columns.id, 'DESC').limit(limit + 1).getMany();
  if (rows.length <= limit) return { rows, next: null };
  rows.length = limit;
  const last = rows[limit - 1];
  return { rows, next: { at: atOf(last), id: idOf(last) } };
}
