import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sqlite3 from 'sqlite3';
import { CachedStatementsDatabase } from './cached-statements';

type RunResult = { changes: number; lastID: number };

describe('CachedStatementsDatabase (a real SQLite file)', () => {
  let dir: string;
  let db: CachedStatementsDatabase;
  let prepares: string[];

  const open = (file: string) =>
    new Promise<CachedStatementsDatabase>((resolve, reject) => {
      const opened: CachedStatementsDatabase = new CachedStatementsDatabase(file, (error) => (error ? reject(error) : resolve(opened)));
    });
  // The (sql, params, callback) shape TypeORM uses.
  const run = (sql: string, params: unknown[] = []) =>
    new Promise<RunResult>((resolve, reject) =>
      db.run(sql, params, function (this: RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve({ changes: this.changes, lastID: this.lastID });
      }),
    );
  const all = (sql: string, params: unknown[] = []) => new Promise<unknown[]>((resolve, reject) => db.all(sql, params, (error: Error | null, rows: unknown[]) => (error ? reject(error) : resolve(rows))));

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cached-statements-'));
    db = await open(path.join(dir, 'test.sqlite'));
    prepares = [];
    const prepare = db.prepare.bind(db) as (sql: string, callback: (error: Error | null) => void) => sqlite3.Statement;
    jest.spyOn(db, 'prepare').mockImplementation(((sql: string, callback: (error: Error | null) => void) => {
      prepares.push(sql);
      return prepare(sql, callback);
    }) as never);
    await all('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)');
  });

  afterEach(async () => {
    await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a statement from its second use on, and then prepares it no more', async () => {
    const insert = 'INSERT INTO t (name) VALUES (?)';
    expect(await run(insert, ['a'])).toEqual({ changes: 1, lastID: 1 });
    expect(prepares).toEqual([]);
    expect(await run(insert, ['b'])).toEqual({ changes: 1, lastID: 2 });
    expect(await run(insert, ['c'])).toEqual({ changes: 1, lastID: 3 });
    expect(await run(insert, ['d'])).toEqual({ changes: 1, lastID: 4 });
    expect(prepares).toEqual([insert]);
    const select = 'SELECT name FROM t WHERE id > ? ORDER BY id';
    for (let i = 0; i < 3; i++) expect(await all(select, [2])).toEqual([{ name: 'c' }, { name: 'd' }]);
    expect(await all(select, [3])).toEqual([{ name: 'd' }]);
    expect(prepares).toEqual([insert, select]);
  });

  it('reports changes of each call, not of an earlier one', async () => {
    for (const name of ['a', 'b', 'c']) await run('INSERT INTO t (name) VALUES (?)', [name]);
    const rename = 'UPDATE t SET name = name || ? WHERE id >= ?';
    expect((await run(rename, ['x', 1])).changes).toBe(3);
    expect((await run(rename, ['y', 3])).changes).toBe(1);
    expect((await run(rename, ['z', 9])).changes).toBe(0);
  });

  it('passes errors on and leaves the kept statement usable', async () => {
    const insert = 'INSERT INTO t (name) VALUES (?)';
    await run(insert, ['same']);
    await expect(run(insert, ['same'])).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    await expect(run(insert, ['same'])).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    expect((await run(insert, ['other'])).changes).toBe(1);
    for (let i = 0; i < 2; i++) await expect(all('SELECT nope FROM t')).rejects.toMatchObject({ code: 'SQLITE_ERROR' });
  });

  it('leaves no statement in progress: transactions commit after kept reads and writes', async () => {
    for (let i = 0; i < 3; i++) {
      await all('BEGIN');
      await run('INSERT INTO t (name) VALUES (?)', [`n${i}`]);
      expect(await all('SELECT count(*) AS n FROM t')).toEqual([{ n: i + 1 }]);
      await all('COMMIT');
    }
  });

  it('does not keep writes that return rows or statements other than writes sent through run', async () => {
    for (let i = 0; i < 3; i++) await run('INSERT INTO t (name) VALUES (?) RETURNING id', [`r${i}`]);
    for (let i = 0; i < 3; i++) await run('PRAGMA user_version = 7');
    expect(prepares).toEqual([]);
    expect(await all('SELECT count(*) AS n FROM t')).toEqual([{ n: 3 }]);
    expect(await all('PRAGMA user_version')).toEqual([{ user_version: 7 }]);
  });

  it('finalizes what it keeps when it closes, so the connection closes cleanly', async () => {
    for (let i = 0; i < 3; i++) await all('SELECT ? AS v', [i]);
    expect(prepares).toHaveLength(1);
    // afterEach closes it and fails on SQLite's "unfinalized statements".
  });
});
