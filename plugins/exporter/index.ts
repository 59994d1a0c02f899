import { once } from 'node:events';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import {
  ConfigIssue,
  DataStoreService,
  ExecutionContext,
  FileRootsService,
  PluginHandler,
  PluginResult,
  PluginTemplate,
} from '../../src/sdk';
import { rowToJson, toText, toXlsx, XLSX_MAX_CELL_CHARS, XLSX_MAX_COLUMNS, XLSX_MAX_ROWS } from './values';

export type ExportFormat = 'csv' | 'tsv' | 'json' | 'ndjson' | 'xlsx';
export type QueryParam = string | number | boolean | null;

export interface ExporterConfig {
  source: { table?: string; query?: string; params?: QueryParam[] };
  format: ExportFormat;
  file_path: string;
  overwrite: boolean;
  include_header: boolean;
  sheet_name: string;
  delimiter: string;
}

/** Rows between progress reports (and backpressure checks for xlsx). */
const BATCH_ROWS = 1000;
/** JSON and NDJSON text is handed to the file in chunks of about this size. */
const CHUNK_CHARS = 64 * 1024;

type Row = Record<string, unknown>;

/** The rows to export, the columns when known before the first row, and the total when known (tables). */
interface RowSource {
  rows: AsyncIterable<Row>;
  columns: string[] | null;
  total?: number;
}

@PluginTemplate({
  id: 'exporter',
  name: 'Exporter',
  description:
    'Writes a data-store table, or the rows of one read-only query, to a CSV, TSV, JSON, NDJSON or XLSX file under the export root. ' +
    'The file is written to a temporary name beside the target and renamed into place only when complete, so readers never see half a file.',
  category: 'exporter',
  version: '1.0.0',
  supportsMultipleInstances: true,
  configSchema: {
    type: 'object',
    title: 'Exporter',
    additionalProperties: false,
    required: ['source', 'file_path'],
    properties: {
      source: {
        type: 'object',
        title: 'Source',
        description: 'What to export: either a whole table (`table`) or the rows of one read-only query (`query`, with optional `params`).',
        additionalProperties: false,
        properties: {
          table: {
            type: 'string',
            title: 'Table',
            description: 'A data-store table; every row and column is exported.',
            pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
            examples: ['measurements'],
          },
          query: {
            type: 'string',
            title: 'Query',
            description: 'One read-only SELECT (or WITH ... SELECT) over the data store. Use `?` placeholders for values (they work on SQLite and PostgreSQL alike).',
            minLength: 1,
            maxLength: 100000,
            examples: ['SELECT site, AVG(value) AS mean FROM measurements WHERE value > ? GROUP BY site ORDER BY site'],
          },
          params: {
            type: 'array',
            title: 'Query parameters',
            description: 'Values bound to the placeholders of `query`, in order.',
            items: { type: ['string', 'number', 'boolean', 'null'] },
            maxItems: 1000,
            examples: [[10]],
          },
        },
        // Exactly one of table / query (the properties are described above; repeated here so strict ajv sees them).
        oneOf: [
          { title: 'Export a table', type: 'object', required: ['table'], properties: { table: {} } },
          { title: 'Export a query', type: 'object', required: ['query'], properties: { query: {} } },
        ],
        dependencies: { params: ['query'] },
        examples: [{ table: 'measurements' }, { query: 'SELECT * FROM measurements WHERE site = ?', params: ['north'] }],
      },
      format: {
        type: 'string',
        title: 'Format',
        description:
          'csv and tsv: one line per row, fields quoted as RFC 4180 says when needed; json: one array of row objects; ndjson: one row object per line; ' +
          'xlsx: one Excel sheet, numbers kept as numbers (XML cannot hold a carriage return, which reads back as a line feed, nor control characters other than tab and line feed, which are dropped).',
        enum: ['csv', 'tsv', 'json', 'ndjson', 'xlsx'],
        default: 'csv',
      },
      file_path: {
        type: 'string',
        title: 'File path',
        description: 'Where to write the file. A relative path resolves under the export root (EXPORT_ROOT); an absolute path must lie inside it. Missing parent folders are created.',
        minLength: 1,
        maxLength: 4096,
        examples: ['reports/measurements.csv'],
      },
      overwrite: {
        type: 'boolean',
        title: 'Overwrite',
        description: 'Replace the file if it exists. When false, a run fails if the file exists and leaves it untouched.',
        default: true,
      },
      include_header: {
        type: 'boolean',
        title: 'Include header',
        description: 'csv, tsv and xlsx: write the column names as the first row.',
        default: true,
      },
      sheet_name: {
        type: 'string',
        title: 'Sheet name',
        description: "xlsx: the name of the sheet: 1 to 31 characters, none of : \\ / ? * [ ], not starting or ending with '.",
        pattern: "^[^':\\\\/?*\\[\\]]([^:\\\\/?*\\[\\]]{0,29}[^':\\\\/?*\\[\\]])?$",
        default: 'Sheet1',
      },
      delimiter: {
        type: 'string',
        title: 'Delimiter',
        description: 'csv: the field separator (tsv always uses a tab).',
        minLength: 1,
        maxLength: 1,
        pattern: '^[^"\\r\\n]$',
        default: ',',
        examples: [',', ';', '|'],
      },
    },
    examples: [{ source: { table: 'measurements' }, format: 'csv', file_path: 'measurements.csv' }],
  },
})
export class ExporterTemplate implements PluginHandler<ExporterConfig> {
  constructor(
    private readonly store: DataStoreService,
    private readonly files: FileRootsService,
  ) {}

  validate(config: ExporterConfig): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const pathProblem = this.files.checkExportPath(config.file_path);
    if (pathProblem) issues.push({ path: '/file_path', message: pathProblem });
    if (config.source.table !== undefined) {
      const tableProblem = this.store.checkTableName(config.source.table);
      if (tableProblem) issues.push({ path: '/source/table', message: tableProblem });
    }
    if (config.source.query !== undefined) {
      const queryProblem = this.store.checkReadOnlyQuery(config.source.query);
      if (queryProblem) issues.push({ path: '/source/query', message: queryProblem });
    }
    return issues;
  }

  async execute(config: ExporterConfig, ctx: ExecutionContext): Promise<PluginResult> {
    const started = performance.now();
    const target = this.files.resolveExportPath(config.file_path);
    const existing = await fsp.lstat(target).catch(() => null);
    if (existing?.isDirectory()) throw new Error(`file_path is a directory: ${target}`);
    if (existing && !config.overwrite) throw new Error(`file exists: ${target}`);
    const plan = await this.planSource(config);

    const directory = path.dirname(target);
    await fsp.mkdir(directory, { recursive: true });
    // Same directory as the target, so the final rename is atomic; dot-named so listings skip it.
    const name = path.basename(target);
    const temporary = path.join(directory, Buffer.byteLength(name) > 200 ? `.export.${ctx.executionId}.tmp` : `.${name}.${ctx.executionId}.tmp`);
    // Started only now, so that nothing above leaves a query open when it fails.
    const source: RowSource = { ...plan, rows: this.store.query(plan.sql, plan.params, { signal: ctx.signal }) };

    let rowsExported = 0;
    const counted = async function* (rows: AsyncIterable<Row>): AsyncGenerator<Row> {
      for await (const row of rows) {
        yield row;
        rowsExported++;
        if (rowsExported % BATCH_ROWS === 0) {
          ctx.progress({ current: rowsExported, total: source.total, message: `${rowsExported} rows exported` });
        }
      }
    };

    try {
      const rows = counted(source.rows);
      if (config.format === 'xlsx') await this.writeXlsx(temporary, rows, source.columns, config, ctx.signal);
      else if (config.format === 'csv' || config.format === 'tsv') await this.writeDelimited(temporary, rows, source.columns, config, ctx.signal);
      else await this.writeJson(temporary, rows, config.format, ctx.signal);
      ctx.signal.throwIfAborted();
      await this.moveIntoPlace(temporary, target, config.overwrite);
    } catch (error) {
      await fsp.rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }

    const bytes = (await fsp.stat(target)).size;
    ctx.progress({ current: rowsExported, total: rowsExported, message: `${rowsExported} rows exported` });
    ctx.log('info', `exported ${rowsExported} rows to ${target} (${config.format}, ${bytes} bytes)`);
    return { rows_exported: rowsExported, file_path: target, format: config.format, bytes, duration_ms: Math.round(performance.now() - started) };
  }

  /** Checks the source again at run time (the store may have changed since validation): what to query, and what is known up front. */
  private async planSource(config: ExporterConfig): Promise<{ sql: string; params: QueryParam[]; columns: string[] | null; total?: number }> {
    const { table, query, params } = config.source;
    if (table !== undefined) {
      const problem = this.store.checkTableName(table);
      if (problem) throw new Error(problem);
      const info = await this.store.describeTable(table);
      if (!info) throw new Error(`table '${table}' does not exist`);
      return { sql: `SELECT * FROM "${info.name}"`, params: [], columns: info.columns.map((column) => column.name), total: info.row_count };
    }
    const problem = this.store.checkReadOnlyQuery(query ?? '');
    if (problem) throw new Error(problem);
    // A query's columns are known only from its first row.
    return { sql: query!, params: params ?? [], columns: null };
  }

  private async writeDelimited(file: string, rows: AsyncIterable<Row>, knownColumns: string[] | null, config: ExporterConfig, signal: AbortSignal): Promise<void> {
    const header = config.include_header;
    async function* records(): AsyncGenerator<string[]> {
      let columns = knownColumns;
      let first = true;
      for await (const row of rows) {
        if (first) {
          columns = Object.keys(row);
          if (header) yield columns;
          first = false;
        }
        yield columns!.map((column) => toText(row[column]));
      }
      if (first && header && columns && columns.length > 0) yield columns;
    }
    const out = fs.createWriteStream(file, { flags: 'wx', flush: true });
    const stringifier = stringify({ delimiter: config.format === 'tsv' ? '\t' : config.delimiter, eof: true });
    await pipeline(Readable.from(records()), stringifier, out, { signal });
    await closed(out);
  }

  private async writeJson(file: string, rows: AsyncIterable<Row>, format: 'json' | 'ndjson', signal: AbortSignal): Promise<void> {
    async function* chunks(): AsyncGenerator<string> {
      let chunk = format === 'json' ? '[' : '';
      let first = true;
      for await (const row of rows) {
        const line = rowToJson(row);
        if (format === 'ndjson') chunk += `${line}\n`;
        else chunk += `${first ? '\n' : ',\n'}${line}`;
        first = false;
        if (chunk.length >= CHUNK_CHARS) {
          yield chunk;
          chunk = '';
        }
      }
      if (format === 'json') chunk += first ? ']\n' : '\n]\n';
      if (chunk.length > 0) yield chunk;
    }
    const out = fs.createWriteStream(file, { flags: 'wx', flush: true });
    await pipeline(Readable.from(chunks()), out, { signal });
    await closed(out);
  }

  private async writeXlsx(file: string, rows: AsyncIterable<Row>, knownColumns: string[] | null, config: ExporterConfig, signal: AbortSignal): Promise<void> {
    const out = fs.createWriteStream(file, { flags: 'wx', flush: true });
    let streamError: Error | null = null;
    const failed = new Promise<never>((_, reject) =>
      out.on('error', (error) => {
        streamError = error;
        reject(error);
      }),
    );
    failed.catch(() => undefined);
    // Loaded on first use: exceljs adds ~28 MB to every server's memory otherwise, and most exports are text.
    const ExcelJS = await import('exceljs');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
    const zip = (workbook as unknown as { zip?: NodeJS.ReadableStream }).zip;
    try {
      const sheet = workbook.addWorksheet(config.sheet_name);
      let columns = knownColumns;
      let sheetRows = 0;
      const addRow = (values: unknown[], rowNumber: number) => {
        if (values.length > XLSX_MAX_COLUMNS) throw new Error(`too many columns for xlsx: ${values.length} (a sheet holds at most ${XLSX_MAX_COLUMNS})`);
        if (++sheetRows > XLSX_MAX_ROWS) throw new Error(`too many rows for xlsx: a sheet holds at most ${XLSX_MAX_ROWS} rows`);
        // Array.from, not map: exceljs tests `instanceof Array`, which an array made in another realm (native driver rows under jest) fails.
        const cells = Array.from(values, (value, index) => {
          const cell = toXlsx(value);
          if (typeof cell === 'string' && cell.length > XLSX_MAX_CELL_CHARS) {
            throw new Error(`value too long for xlsx in row ${rowNumber}, column '${columns?.[index] ?? index + 1}': ${cell.length} characters (at most ${XLSX_MAX_CELL_CHARS})`);
          }
          return cell;
        });
        sheet.addRow(cells).commit();
      };
      let dataRows = 0;
      for await (const row of rows) {
        if (streamError) throw streamError;
        if (dataRows === 0) {
          columns = Object.keys(row);
          if (config.include_header) addRow(columns, 0);
        }
        dataRows++;
        addRow(columns!.map((column) => row[column]), dataRows);
        // exceljs has no backpressure of its own: wait for the file to drain now and then.
        if (dataRows % BATCH_ROWS === 0 && out.writableNeedDrain) await Promise.race([once(out, 'drain', { signal }), failed]);
      }
      if (dataRows === 0 && config.include_header && columns && columns.length > 0) addRow(columns, 0);
      signal.throwIfAborted();
      sheet.commit();
      await Promise.race([workbook.commit(), failed]);
      await closed(out);
    } catch (error) {
      zip?.unpipe(out as unknown as NodeJS.WritableStream);
      out.destroy();
      await closed(out).catch(() => undefined);
      throw error;
    }
  }

  /** rename replaces atomically; without overwrite, link refuses an existing target even if one appeared meanwhile. */
  private async moveIntoPlace(temporary: string, target: string, overwrite: boolean): Promise<void> {
    if (overwrite) {
      await fsp.rename(temporary, target);
      return;
    }
    try {
      await fsp.link(temporary, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new Error(`file exists: ${target}`);
      // Filesystems without hard links: check, then rename.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
      if (await fsp.lstat(target).catch(() => null)) throw new Error(`file exists: ${target}`);
      await fsp.rename(temporary, target);
      return;
    }
    await fsp.rm(temporary, { force: true });
  }
}

/** Resolves once the file descriptor is flushed (flush: true) and closed. */
async function closed(stream: fs.WriteStream): Promise<void> {
  if (stream.closed) return;
  await once(stream, 'close');
}
