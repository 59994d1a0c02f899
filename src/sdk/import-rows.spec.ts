import type { DataStoreService } from '../data-store/data-store.service';
import type { CellValue, WriteTableOptions, WriteTableResult } from '../data-store/data-store.types';
import { importRows } from './import-rows';
import type { ExecutionContext, ExecutionProgress, LogLevel } from './types';

/** A store that takes the rows in batches of two, reporting progress after each, as the real one does per batch. */
function fakeStore(fail?: Error) {
  const calls: { method: string; table: string; rows: CellValue[][]; options: WriteTableOptions }[] = [];
  const write = (method: string) => async (table: string, input: AsyncIterable<unknown> | Iterable<unknown>, options: WriteTableOptions): Promise<WriteTableResult> => {
    const rows: CellValue[][] = [];
    for await (const item of input as AsyncIterable<unknown>) {
      if (method === 'writeTableBatches') rows.push(...(item as CellValue[][]));
      else rows.push(item as CellValue[]);
      if (rows.length % 2 === 0) options.onProgress?.(rows.length);
    }
    calls.push({ method, table, rows, options });
    if (fail) throw fail;
    return { table_name: table, mode: options.mode, rows_written: rows.length, columns: options.columns.map((name) => ({ name, type: 'TEXT' as const })) };
  };
  return { store: { writeTable: write('writeTable'), writeTableBatches: write('writeTableBatches') } as unknown as DataStoreService, calls };
}

function fakeContext() {
  const progress: ExecutionProgress[] = [];
  const logs: [LogLevel, string][] = [];
  const ctx: ExecutionContext = {
    executionId: 'e1',
    instance: { id: 'i1', name: 'test', template_id: 't' },
    signal: new AbortController().signal,
    trigger: { type: 'manual' },
    progress: (value) => progress.push(value),
    log: (level, message) => logs.push([level, message]),
  };
  return { ctx, progress, logs };
}

describe('importRows', () => {
  it('writes single rows, reports progress and builds the result with source and summary fields in place', async () => {
    const { store, calls } = fakeStore();
    const { ctx, progress, logs } = fakeContext();
    let counted = 0;
    async function* rows(): AsyncGenerator<CellValue[]> {
      for (let i = 1; i <= 3; i++) {
        counted++;
        yield [i, `name ${i}`];
      }
    }
    const result = await importRows(store, ctx, 'things', { rows: rows() }, {
      mode: 'replace',
      columns: ['id', 'name'],
      noun: 'records',
      startedAt: Date.now() - 5,
      source: { file_path: 'a.ndjson', file_type: 'ndjson' },
      summary: () => ({ counted }),
    });

    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'writeTable', table: 'things', rows: [[1, 'name 1'], [2, 'name 2'], [3, 'name 3']] });
    expect(calls[0].options).toMatchObject({ mode: 'replace', columns: ['id', 'name'], signal: ctx.signal });
    expect(progress).toEqual([
      { current: 2, message: '2 records imported' },
      { current: 3, total: 3, message: '3 records imported' },
    ]);
    expect(logs).toEqual([['info', "imported 3 records into 'things' (replace)"]]);
    // The summary is read after the write (counted is 3, not 0) and fields keep their places: results are stored as JSON.
    expect(Object.keys(result)).toEqual(['rows_imported', 'columns', 'table_name', 'file_path', 'file_type', 'mode', 'counted', 'duration_ms']);
    expect(result).toMatchObject({ rows_imported: 3, table_name: 'things', file_path: 'a.ndjson', mode: 'replace', counted: 3 });
    expect(result.duration_ms).toBeGreaterThanOrEqual(5);
  });

  it('passes batches through to writeTableBatches and calls rows "rows" by default', async () => {
    const { store, calls } = fakeStore();
    const { ctx, progress, logs } = fakeContext();
    const batches = [
      [['a'], ['b']],
      [['c'], ['d']],
    ];
    const result = await importRows(store, ctx, 'letters', { batches }, { mode: 'append', columns: ['letter'] });

    expect(calls[0]).toMatchObject({ method: 'writeTableBatches', rows: [['a'], ['b'], ['c'], ['d']] });
    expect(progress.map((p) => p.message)).toEqual(['2 rows imported', '4 rows imported', '4 rows imported']);
    expect(progress[progress.length - 1]).toEqual({ current: 4, total: 4, message: '4 rows imported' });
    expect(logs).toEqual([['info', "imported 4 rows into 'letters' (append)"]]);
    expect(Object.keys(result)).toEqual(['rows_imported', 'columns', 'table_name', 'mode', 'duration_ms']);
  });

  it('lets a failed write reject without the final progress, the log line or the summary', async () => {
    const { store } = fakeStore(new Error('disk full'));
    const { ctx, progress, logs } = fakeContext();
    const summary = jest.fn(() => ({}));
    await expect(importRows(store, ctx, 't', { rows: [[1], [2], [3]] }, { mode: 'replace', columns: ['n'], summary })).rejects.toThrow('disk full');
    expect(progress).toEqual([{ current: 2, message: '2 rows imported' }]);
    expect(logs).toEqual([]);
    expect(summary).not.toHaveBeenCalled();
  });
});
