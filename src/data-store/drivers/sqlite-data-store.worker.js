'use strict';
// The SQLite data store's connections, in a worker thread (see sqlite.driver.ts for why). Plain JavaScript, so it
// loads the same from src/ (tests) and dist/ (copied by nest build). Requests are handled one at a time, in order:
// { id, op, ...arguments } in, { id, ok: true, value } or { id, ok: false, error: { message, code } } out.
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

const MAX_KEPT_STATEMENTS = 64;

const writer = new Database(workerData.file);
writer.pragma('journal_mode = WAL');
writer.pragma('busy_timeout = 5000');
writer.pragma('synchronous = NORMAL');
// Checkpoints run after each write (op 'checkpoint'), not inside its COMMIT.
writer.pragma('wal_autocheckpoint = 0');
const reader = new Database(workerData.file, { readonly: true, fileMustExist: true });
reader.pragma('busy_timeout = 5000');

/** Prepared statements by connection and SQL, the least recently prepared dropped past MAX_KEPT_STATEMENTS. */
const kept = new Map();
function statement(db, sql) {
  const key = `${db === writer ? 'w' : 'r'}${sql}`;
  let prepared = kept.get(key);
  if (!prepared) {
    prepared = db.prepare(sql);
    if (kept.size >= MAX_KEPT_STATEMENTS) kept.delete(kept.keys().next().value);
    kept.set(key, prepared);
  }
  return prepared;
}

// Values as node-sqlite3 binds them (the arrays are this thread's copies: changed in place). better-sqlite3 binds
// every number as a REAL, so integers go as BigInt to be stored as INTEGER (in TEXT and untyped columns: 7, not
// 7.0); it writes a lone surrogate as three invalid bytes, so strings are made well-formed first (U+FFFD); and it
// refuses booleans and dates, which node-sqlite3 binds as 1/0 and milliseconds.
function bindable(values) {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (Number.isSafeInteger(value)) values[i] = BigInt(value);
    else if (typeof value === 'string') {
      if (!value.isWellFormed()) values[i] = value.toWellFormed();
    } else if (typeof value === 'boolean') values[i] = value ? 1n : 0n;
    else if (value instanceof Date) values[i] = value.getTime();
  }
  return values;
}

function rowsOf(db, sql, params) {
  const prepared = statement(db, sql);
  if (prepared.reader) return prepared.all(bindable(params));
  prepared.run(bindable(params));
  return [];
}

/** Open streaming reads (op 'iterate'): id -> iterator over the reader's rows. */
const cursors = new Map();
let nextCursor = 0;

const operations = {
  exec: ({ sql }) => void writer.exec(sql),
  run: ({ sql, params }) => void statement(writer, sql).run(bindable(params)),
  all: ({ sql, params }) => rowsOf(writer, sql, params),
  insertEach: ({ sql, rows }) => {
    const insert = statement(writer, sql);
    for (const row of rows) insert.run(bindable(row));
  },
  // PASSIVE: pages a reader still needs stay in the WAL until a later checkpoint.
  checkpoint: () => void writer.pragma('wal_checkpoint(PASSIVE)'),
  read: ({ sql, params }) => rowsOf(reader, sql, params),
  // Each stream gets a statement of its own: a kept one would be busy while the stream is open.
  iterate: ({ sql, params }) => {
    const id = nextCursor++;
    cursors.set(id, reader.prepare(sql).iterate(bindable(params)));
    return id;
  },
  next: ({ cursor, count }) => {
    const rows = [];
    const iterator = cursors.get(cursor);
    if (!iterator) return rows;
    for (let step = iterator.next(); !step.done; step = iterator.next()) {
      rows.push(step.value);
      if (rows.length === count) return rows;
    }
    cursors.delete(cursor);
    return rows;
  },
  closeCursor: ({ cursor }) => {
    cursors.get(cursor)?.return();
    cursors.delete(cursor);
  },
  close: () => {
    for (const iterator of cursors.values()) iterator.return();
    reader.close();
    writer.close();
  },
};

parentPort.on('message', ({ id, op, ...args }) => {
  try {
    parentPort.postMessage({ id, ok: true, value: operations[op](args) });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: { message: error.message, code: error.code } });
  }
  if (op === 'close') parentPort.close();
});
