const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Prefix of the data store's own tables (staging tables of a write in progress). */
export const INTERNAL_TABLE_PREFIX = '_pif_';

/** SQL words that make confusing table names even when quoted (SQLite and PostgreSQL keywords, abridged). */
const RESERVED = new Set(
  `abort action add after all alter analyze and as asc attach autoincrement before begin between by cascade case cast check
  collate column commit conflict constraint create cross current current_date current_time current_timestamp database default
  deferrable deferred delete desc detach distinct do drop each else end escape except exclusive exists explain fail filter for
  foreign from full glob group having if ignore immediate in index indexed initially inner insert instead intersect into is
  isnull join key left like limit match natural no not nothing notnull null of offset on or order outer over partition plan
  pragma primary query raise range recursive references regexp reindex release rename replace restrict right rollback row rows
  savepoint select set table temp temporary then to transaction trigger union unique update user using vacuum values view
  virtual when where window with without returning grant revoke truncate analyse array asymmetric both current_role
  current_user fetch leading localtime localtimestamp only placing session_user some symmetric trailing variadic`
    .split(/\s+/)
    .filter(Boolean),
);

/** null when `name` may name a table, else why not. */
export function checkTableName(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'table name is empty';
  if (name.length > 63) return `table name '${name.slice(0, 20)}...' is longer than 63 characters`;
  if (!TABLE_NAME.test(name)) return `table name '${name}' must match ${TABLE_NAME.source} (letters, digits, underscore)`;
  if (RESERVED.has(name.toLowerCase())) return `table name '${name}' is a reserved SQL word`;
  if (name.toLowerCase().startsWith(INTERNAL_TABLE_PREFIX) || name.toLowerCase().startsWith('sqlite_') || name.toLowerCase().startsWith('pg_')) {
    return `table name '${name}' uses a prefix reserved for internal tables (${INTERNAL_TABLE_PREFIX}, sqlite_, pg_)`;
  }
  return null;
}

/** null when the column names can be written, else why not. Names are otherwise kept exactly. */
export function checkColumnNames(columns: unknown): string | null {
  if (!Array.isArray(columns) || columns.length === 0) return 'a table needs at least one column';
  if (columns.length > 2000) return `too many columns (${columns.length}; at most 2000)`;
  const seen = new Set<string>();
  for (const column of columns) {
    if (typeof column !== 'string' || column.length === 0) return 'column names must be non-empty strings';
    if (column.includes('\u0000')) return 'column names must not contain NUL characters';
    // SQLite compares column names case-insensitively: 'Name' and 'name' would collide.
    if (seen.has(column.toLowerCase())) return `duplicate column name '${column}'`;
    seen.add(column.toLowerCase());
  }
  return null;
}

/** Quotes an identifier for SQLite and PostgreSQL alike; callers validate first, this still escapes. */
export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;
