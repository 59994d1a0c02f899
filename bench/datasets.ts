/**
 * Fixed-seed datasets for the import benchmarks (issue 7): the same seed gives the same rows on every run,
 * so timings compare across runs and against the sqlite3 CLI on the very same file.
 *
 * As a module: `writeCsv(file, rows)` and `writeXlsx(file, rows)`. From the shell, after `npm run build`:
 *   node dist/bench/datasets.js csv  /tmp/big.csv  1000000
 *   node dist/bench/datasets.js xlsx /tmp/big.xlsx 100000
 */
import { createWriteStream } from 'node:fs';
import * as ExcelJS from 'exceljs';

export const CSV_HEADER = ['id', 'name', 'room', 'price', 'qty', 'serial', 'category', 'score', 'active', 'notes'];

/** A 31-bit linear congruential generator (glibc's constants): tiny, fast, and identical everywhere. */
export function seededRandom(seed = 42): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) & 0x7fffffff);
}

/**
 * The 10-column CSV: integers, text, decimals and a quoted field with a comma in it, one line per row. Byte for
 * byte the file scripts/measure-large-import.sh generated before this module existed, so older figures compare.
 */
export async function writeCsv(file: string, rows: number, seed = 42): Promise<void> {
  const next = seededRandom(seed);
  const out = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  out.write(`${CSV_HEADER.join(',')}\n`);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const r = next();
    chunk += `${i},Item ${r % 9973},${r % 500},${(r % 100000) / 100},${r % 37},SN-${r.toString(16)},cat_${r % 12},${(r % 1000) / 10},${r % 2},"note, with comma ${r % 77}"\n`;
    if (chunk.length >= 1 << 16) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.end(chunk);
  await done;
}

export const XLSX_HEADER = ['id', 'sample', 'lab', 'value', 'count', 'measured_on', 'passed', 'operator', 'ratio', 'comment'];
const LABS = ['Genomics', 'Proteomics', 'Imaging', 'Cryo-EM', 'Flow Cytometry', 'Mass Spec', 'Histology', 'Sequencing'];
const OPERATORS = ['A. Rivera', 'B. Chen', 'C. Okafor', 'D. Novak', 'E. Haddad', 'F. Lindqvist', 'G. Tanaka', 'H. Moreau', 'I. Singh', 'J. Alvarez'];

/**
 * A one-sheet workbook ('Samples') as Excel writes them: a header row, then integers, decimals, dates, booleans,
 * repeated strings (shared strings) and a per-row unique string. Streamed, so any row count fits in memory.
 */
export async function writeXlsx(file: string, rows: number, seed = 42): Promise<void> {
  const next = seededRandom(seed);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true });
  workbook.created = workbook.modified = new Date(Date.UTC(2026, 0, 1));
  const sheet = workbook.addWorksheet('Samples');
  sheet.getColumn(6).numFmt = 'yyyy-mm-dd';
  sheet.addRow(XLSX_HEADER).commit();
  const day0 = Date.UTC(2024, 0, 1);
  for (let i = 1; i <= rows; i++) {
    const r = next();
    sheet
      .addRow([
        i,
        `S-${r.toString(16)}`,
        LABS[r % LABS.length],
        (r % 1_000_000) / 100,
        r % 1000,
        new Date(day0 + (r % 730) * 86_400_000),
        r % 2 === 0,
        OPERATORS[r % OPERATORS.length],
        (r % 997) / 997,
        r % 5 === 0 ? null : `run ${r % 211}`,
      ])
      .commit();
  }
  sheet.commit();
  await workbook.commit();
}

if (require.main === module) {
  const [kind, file, count] = process.argv.slice(2);
  const rows = Number(count ?? (kind === 'xlsx' ? 100_000 : 1_000_000));
  if ((kind !== 'csv' && kind !== 'xlsx') || !file || !Number.isSafeInteger(rows) || rows < 0) {
    console.error('usage: node dist/bench/datasets.js csv|xlsx FILE [ROWS]');
    process.exit(2);
  }
  (kind === 'csv' ? writeCsv(file, rows) : writeXlsx(file, rows)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
