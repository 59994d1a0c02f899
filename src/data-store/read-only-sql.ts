/** Statements that may start a read-only query. */
const ALLOWED_FIRST = new Set(['select', 'with', 'values']);

/**
 * Words that can smuggle a change into a statement that starts with SELECT/WITH/VALUES: data-changing
 * CTEs and WITH ... INSERT/UPDATE/DELETE, SELECT ... INTO (creates a table in PostgreSQL), ATTACH.
 * Found outside quotes and comments, they refuse the query. Other statements are refused by their
 * first word, and queries also run on a read-only connection (SQLite) or READ ONLY transaction.
 */
const FORBIDDEN = new Set(['insert', 'update', 'delete', 'merge', 'into', 'create', 'drop', 'alter', 'truncate', 'attach', 'detach', 'pragma', 'vacuum', 'grant', 'revoke']);

interface Scan {
  words: string[];
  /** Index in `words` after which each top-level `;` appeared. */
  semicolonAfter: number[];
  /** Character offset of each top-level `;`. */
  semicolonAt: number[];
  /** Character offset of each `?` placeholder outside strings and comments. */
  placeholderAt: number[];
  error?: string;
}

/** Splits SQL into bare words and semicolons, skipping strings, quoted identifiers and comments. */
function scan(sql: string): Scan {
  const result: Scan = { words: [], semicolonAfter: [], semicolonAt: [], placeholderAt: [] };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) return { ...result, error: 'unterminated /* comment' };
      i = end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      for (;;) {
        const close = sql.indexOf(c, j);
        if (close === -1) return { ...result, error: `unterminated ${c === "'" ? 'string' : 'quoted identifier'}` };
        if (sql[close + 1] === c) j = close + 2; // doubled quote escapes itself
        else {
          i = close + 1;
          break;
        }
      }
    } else if (c === '[') {
      const close = sql.indexOf(']', i + 1);
      if (close === -1) return { ...result, error: 'unterminated [identifier]' };
      i = close + 1;
    } else if (c === '$' && /[A-Za-z_$]/.test(next ?? '')) {
      // PostgreSQL dollar quoting: $tag$ ... $tag$
      const tagMatch = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (!tagMatch) {
        i++;
        continue;
      }
      const close = sql.indexOf(tagMatch[0], i + tagMatch[0].length);
      if (close === -1) return { ...result, error: 'unterminated dollar-quoted string' };
      i = close + tagMatch[0].length;
    } else if (c === ';') {
      result.semicolonAfter.push(result.words.length);
      result.semicolonAt.push(i);
      i++;
    } else if (c === '?') {
      result.placeholderAt.push(i);
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j])) j++;
      result.words.push(sql.slice(i, j).toLowerCase());
      i = j;
    } else {
      i++;
    }
  }
  return result;
}

/**
 * null when `sql` is one read-only statement (SELECT, WITH ... SELECT or VALUES), else why not.
 * The check is lexical and conservative; queries also run on a read-only connection or transaction.
 */
export function checkReadOnlyQuery(sql: unknown): string | null {
  if (typeof sql !== 'string' || sql.trim() === '') return 'query is empty';
  if (sql.length > 100_000) return 'query is longer than 100000 characters';
  if (sql.includes('\u0000')) return 'query contains a NUL character';
  const { words, semicolonAfter, error } = scan(sql);
  if (error) return `query cannot be read: ${error}`;
  if (words.length === 0) return 'query is empty';
  if (semicolonAfter.length > 1 || semicolonAfter.some((position) => position < words.length)) return 'only one statement is allowed';
  if (!ALLOWED_FIRST.has(words[0])) return `only a read-only SELECT (or WITH ... SELECT) is allowed, not ${words[0].toUpperCase()}`;
  const forbidden = words.find((word) => FORBIDDEN.has(word));
  if (forbidden) return `${forbidden.toUpperCase()} is not allowed in a read-only query`;
  return null;
}

/** A checked query without its trailing semicolon (and whatever comment follows it), for preparing. */
export function withoutTrailingSemicolon(sql: string): string {
  const { semicolonAt } = scan(sql);
  return (semicolonAt.length > 0 ? sql.slice(0, semicolonAt[semicolonAt.length - 1]) : sql).trim();
}

/** Rewrites `?` placeholders as PostgreSQL's `$1`, `$2`, ... so one query text works on both databases. */
export function numberedPlaceholders(sql: string): string {
  const { placeholderAt } = scan(sql);
  let result = '';
  let from = 0;
  placeholderAt.forEach((at, index) => {
    result += `${sql.slice(from, at)}$${index + 1}`;
    from = at + 1;
  });
  return result + sql.slice(from);
}
