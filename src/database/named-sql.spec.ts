import { NamedSql } from './named-sql';

describe('NamedSql', () => {
  const statement = new NamedSql('UPDATE t SET a = :a, b = :b WHERE id = :id AND a <> :a');

  it('numbers each distinct name once, in the dialect of the driver', () => {
    expect(statement.bind('sqlite', { a: 1, b: 'x', id: 'k' })).toEqual(['UPDATE t SET a = ?1, b = ?2 WHERE id = ?3 AND a <> ?1', [1, 'x', 'k']]);
    expect(statement.bind('postgres', { a: 1, b: null, id: 'k' })).toEqual(['UPDATE t SET a = $1, b = $2 WHERE id = $3 AND a <> $1', [1, null, 'k']]);
  });

  it('keeps the same text whatever the values, so the prepared statement is reused', () => {
    expect(statement.bind('sqlite', { a: 1.5, b: 2, id: 'x' })[0]).toBe(statement.bind('sqlite', { a: 99, b: 3, id: 'y' })[0]);
  });

  it('refuses a missing parameter instead of binding nothing', () => {
    expect(() => statement.bind('sqlite', { a: 1, id: 'k' })).toThrow('no value for :b');
  });
});
