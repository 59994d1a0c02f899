import { QueryFailedError } from 'typeorm';

/**
 * True when a query failed on a unique constraint (SQLite or PostgreSQL), optionally a given one:
 * SQLite names the indexed columns in its message, PostgreSQL names the constraint.
 */
export function isUniqueViolation(error: unknown, constraint?: { index: string; column: string }): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string } | undefined;
  if (!/UNIQUE constraint failed/i.test(error.message) && driverError?.code !== '23505') return false;
  if (!constraint) return true;
  return error.message.includes(constraint.index) || error.message.includes(constraint.column) || driverError?.constraint === constraint.index;
}
