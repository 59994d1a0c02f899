import { checkReadOnlyQuery, numberedPlaceholders, withoutTrailingSemicolon } from './read-only-sql';

describe('checkReadOnlyQuery', () => {
  it.each([
    'SELECT * FROM t',
    'select a, count(*) from t group by a;',
    'WITH x AS (SELECT 1 AS n) SELECT n FROM x',
    "SELECT 'a; DELETE FROM t' AS s",
    'SELECT "delete" FROM t -- DROP TABLE t',
    'SELECT 1 /* ; INSERT INTO t */',
    "SELECT 'it''s' AS s",
    'VALUES (1), (2)',
    'SELECT $tag$ ; drop $tag$',
    'SELECT replace(name, \'a\', \'b\') FROM t',
    'SELECT comment, set, do, call, load, lock FROM notes',
  ])('accepts %s', (sql) => {
    expect(checkReadOnlyQuery(sql)).toBeNull();
  });

  it.each([
    ['', 'query is empty'],
    ['   -- only a comment', 'query is empty'],
    ['DELETE FROM t', 'not DELETE'],
    ['SELECT 1; DROP TABLE t', 'only one statement'],
    ['SELECT 1;;', 'only one statement'],
    ['WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x', 'INSERT is not allowed'],
    ['PRAGMA table_info(t)', 'not PRAGMA'],
    ["ATTACH DATABASE 'x' AS y", 'not ATTACH'],
    ['SELECT * INTO newtable FROM t', 'INTO is not allowed'],
    ["SELECT 'unterminated", 'unterminated string'],
    ['SELECT 1 /* open', 'unterminated /* comment'],
    ['CREATE TABLE t AS SELECT 1', 'not CREATE'],
  ])('refuses %s', (sql, reason) => {
    expect(checkReadOnlyQuery(sql)).toContain(reason);
  });

  it('drops a trailing semicolon and comment', () => {
    expect(withoutTrailingSemicolon('SELECT 1 ;  ')).toBe('SELECT 1');
    expect(withoutTrailingSemicolon('SELECT 1; -- done')).toBe('SELECT 1');
  });
});

describe('numberedPlaceholders', () => {
  it('numbers ? outside strings and comments', () => {
    expect(numberedPlaceholders("SELECT * FROM t WHERE a = ? AND b = '?' AND c > ? -- ?")).toBe("SELECT * FROM t WHERE a = $1 AND b = '?' AND c > $2 -- ?");
  });
});
