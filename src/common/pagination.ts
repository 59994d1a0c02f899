import { SelectQueryBuilder } from 'typeorm';
import { ValidationFailedError } from './domain-errors';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Position after the last row of a page, for keyset pagination ordered by (created_at DESC, id DESC). */
export interface KeysetCursor {
  createdAt: number;
  id: string;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): KeysetCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && Number.isFinite(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the validation error below
  }
  throw new ValidationFailedError('cursor is not one this server issued', [{ path: '/cursor', message: 'invalid cursor' }]);
}

/** Builds a page from limit+1 fetched rows: the extra row only says whether a next page exists. */
export function toPage<Row, Item>(rows: Row[], limit: number, keyOf: (row: Row) => KeysetCursor, map: (row: Row) => Item): Page<Item> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  return {
    items: pageRows.map(map),
    next_cursor: hasMore ? encodeCursor(keyOf(pageRows[pageRows.length - 1])) : null,
  };
}

/** What a keyset-paginated list asks for. */
export interface KeysetQuery {
  limit?: number;
  cursor?: string;
}

/**
 * One page of rows newest first, ordered by (created_at DESC, id DESC), after the query's cursor: the
 * builder brings its own filters; this adds the cursor condition, the order and limit+1.
 */
export async function keysetPage<Row extends { created_at: number; id: string }>(builder: SelectQueryBuilder<Row>, alias: string, query: KeysetQuery): Promise<Page<Row>> {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    builder.andWhere(`(${alias}.created_at < :afterCreatedAt OR (${alias}.created_at = :afterCreatedAt AND ${alias}.id < :afterId))`, {
      afterCreatedAt: after.createdAt,
      afterId: after.id,
    });
  }
  const rows = await builder.orderBy(`${alias}.created_at`, 'DESC').addOrderBy(`${alias}.id`, 'DESC').take(limit + 1).getMany();
  return toPage(rows, limit, (row) => ({ createdAt: row.created_at, id: row.id }), (row) => row);
}

/**
 * One page of rows newest first by a unique integer column that only grows (an autoincrement id, a version number):
 * the cursor holds the page's last value (in encodeOffsetCursor's format), so rows inserted meanwhile never shift a
 * page. The builder brings its own filters; this adds the cursor condition, the order and limit+1.
 */
export async function integerKeyPage<Row extends object>(builder: SelectQueryBuilder<Row>, column: string, query: KeysetQuery, keyOf: (row: Row) => number): Promise<Page<Row>> {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  if (query.cursor) builder.andWhere(`${column} < :before`, { before: decodeOffsetCursor(query.cursor) });
  const rows = await builder.orderBy(column, 'DESC').take(limit + 1).getMany();
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? encodeOffsetCursor(keyOf(items[items.length - 1])) : null };
}

/** Maps the items of a page, keeping its cursor. */
export function mapPage<From, To>(page: Page<From>, map: (item: From) => To): Page<To> {
  return { items: page.items.map(map), next_cursor: page.next_cursor };
}

/**
 * Opaque cursor for offset pagination (pages of a table in storage order): the offset of the next page's first row;
 * integerKeyPage puts the last key of a page in it the same way.
 * The wire format is base64url of the JSON array `[offset]`; clients hold such cursors, so it must not change.
 */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(JSON.stringify([offset]), 'utf8').toString('base64url');
}

/** The offset an encodeOffsetCursor cursor holds; anything else is a ValidationFailedError at `/cursor`, as decodeCursor. */
export function decodeOffsetCursor(raw: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 1 && Number.isSafeInteger(value[0]) && value[0] >= 0) return value[0];
  } catch {
    // fall through to the validation error below
  }
  throw new ValidationFailedError('cursor is not one this server issued', [{ path: '/cursor', message: 'invalid cursor' }]);
}
