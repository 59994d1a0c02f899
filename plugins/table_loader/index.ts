import {
  CellValue,
  compareTemplateVersions,
  ConfigIssue,
  DataStoreService,
  defaultColumnNames,
  ExecutionContext,
  FileRootsService,
  importRows,
  parseCell,
  PluginHandler,
  PluginResult,
  PluginTemplate,
  uniqueColumnNames,
} from '../../src/sdk';
import { readDelimited } from './csv-source';
import { resolveFileType, TableFileType, unsupportedTypeReason } from './source-file';
import { readSheet } from './xlsx-source';

export interface TableLoaderConfig {
  file_path: string;
  table_name: string;
  file_type: 'auto' | 'csv' | 'tsv' | 'xlsx';
  has_header: boolean;
  sheet?: string | number;
  delimiter?: string;
  quote: string;
  encoding: 'utf8' | 'utf16le' | 'latin1';
  mode: 'replace' | 'append';
  skip_empty_lines: boolean;
  strict_columns: boolean;
}

/** Something the import let through but the user should hear about, at its physical line (or sheet row). */
export interface ImportWarning {
  line: number;
  message: string;
}

/** Warnings kept in a result: the first ones say what happened; rows_padded counts them all. */
export const MAX_WARNINGS = 100;

/** Source rows in file order, a batch at a time: their cells and where each sits in the file (1-based line or sheet row). */
interface SourceBatch {
  rows: (string | number | null)[][];
  lines: number[];
}

const isBlank = (cells: (string | number | null)[]) => cells.every((cell) => cell === null || cell === '');

@PluginTemplate({
  id: 'table_loader',
  name: 'Table Loader',
  description:
    'Imports a CSV, TSV or Excel (.xlsx/.xlsm) file into a data-store table, streaming it so files of millions of rows ' +
    'load in constant memory. Replacing a table is atomic: a failed import leaves the previous table as it was.',
  category: 'data_import',
  // 2.0.0: replace_existing (boolean) became mode ("replace" | "append"); see migrate().
  version: '2.0.0',
  supportsMultipleInstances: true,
  configSchema: {
    type: 'object',
    title: 'Table Loader',
    additionalProperties: false,
    required: ['file_path', 'table_name'],
    properties: {
      file_path: {
        type: 'string',
        title: 'File',
        description:
          'The file to import. A relative path is resolved under DATA_DIR; an absolute path must lie under DATA_DIR or one of ' +
          "IMPORT_ROOTS. '..' segments and symbolic links leading outside those roots are refused.",
        minLength: 1,
        maxLength: 4096,
        examples: ['imports/equipment.csv', 'imports/pi_directory.xlsx'],
      },
      table_name: {
        type: 'string',
        title: 'Table name',
        description: 'The data-store table to fill: letters, digits and underscores, not starting with a digit, at most 63 characters.',
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        minLength: 1,
        maxLength: 63,
        examples: ['equipment'],
      },
      file_type: {
        type: 'string',
        title: 'File type',
        description:
          'How to read the file. auto picks by extension: .csv and .txt are CSV, .tsv and .tab are TSV, .xlsx and .xlsm are Excel. ' +
          'Legacy .xls workbooks are not supported: save them as .xlsx.',
        enum: ['auto', 'csv', 'tsv', 'xlsx'],
        default: 'auto',
      },
      has_header: {
        type: 'boolean',
        title: 'First row is a header',
        description:
          'Take column names from the first non-blank row (kept exactly; empty names become col_<index>, repeated ones get _2, _3, ...). ' +
          'When false, columns are named col_0, col_1, ... and the first row sets how many there are.',
        default: true,
      },
      sheet: {
        title: 'Sheet',
        description: 'Excel only: the sheet to import, by name or by 0-based position in tab order. Default: the first sheet.',
        oneOf: [
          { type: 'string', title: 'Sheet name', minLength: 1, maxLength: 255 },
          { type: 'integer', title: 'Sheet index (0-based)', minimum: 0 },
        ],
        examples: ['Directory', 1],
      },
      delimiter: {
        type: 'string',
        title: 'Delimiter',
        description: "CSV/TSV only: the field separator. Default: ',' for CSV, a tab for TSV.",
        minLength: 1,
        maxLength: 8,
        examples: [',', ';', '\t', '|'],
      },
      quote: {
        type: 'string',
        title: 'Quote character',
        description: 'CSV/TSV only: the character that quotes fields containing delimiters or line breaks. An empty string turns quoting off.',
        maxLength: 1,
        default: '"',
      },
      encoding: {
        type: 'string',
        title: 'Text encoding',
        description: 'CSV/TSV only: the character encoding of the file. A byte-order mark, if present, is dropped.',
        enum: ['utf8', 'utf16le', 'latin1'],
        default: 'utf8',
      },
      mode: {
        type: 'string',
        title: 'Write mode',
        description:
          'replace: the import replaces the table in one transaction (readers see the old or the new table, never a mix). ' +
          'append: rows are added to the table (created if missing; its columns must match the file).',
        enum: ['replace', 'append'],
        default: 'replace',
      },
      skip_empty_lines: {
        type: 'boolean',
        title: 'Skip empty lines',
        description: 'Skip blank lines (CSV/TSV) and empty rows (Excel). When false they become rows of nulls. Blank lines before the header are always skipped.',
        default: true,
      },
      strict_columns: {
        type: 'boolean',
        title: 'Refuse short rows',
        description:
          'CSV/TSV only. false: a row with fewer fields than the header is padded with nulls, counted in rows_padded and ' +
          'listed in warnings (the first 100, by line). true: such a row fails the run, naming its line, and a replaced ' +
          'table stays as it was. Blank lines kept by skip_empty_lines=false are rows of nulls either way. Rows with too many ' +
          'fields always fail.',
        default: false,
      },
    },
  },
})
export class TableLoader implements PluginHandler<TableLoaderConfig> {
  constructor(
    private readonly store: DataStoreService,
    private readonly roots: FileRootsService,
  ) {}

  /** Checks JSON Schema cannot make: the path's roots, reserved table names, unsupported extensions. */
  validate(config: TableLoaderConfig): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const pathProblem = this.roots.checkImportPath(config.file_path) ?? unsupportedTypeReason(config.file_path, config.file_type ?? 'auto');
    if (pathProblem) issues.push({ path: '/file_path', message: pathProblem });
    const tableProblem = this.store.checkTableName(config.table_name);
    if (tableProblem) issues.push({ path: '/table_name', message: tableProblem });
    if (config.delimiter !== undefined) {
      if (/[\r\n]/.test(config.delimiter)) issues.push({ path: '/delimiter', message: 'the delimiter cannot contain a line break' });
      else if (config.quote && config.delimiter.includes(config.quote)) issues.push({ path: '/delimiter', message: `the delimiter cannot contain the quote character (${config.quote})` });
    }
    if (config.quote && /[\r\n]/.test(config.quote)) issues.push({ path: '/quote', message: 'the quote character cannot be a line break' });
    return issues;
  }

  /** Configs saved before 2.0.0 said `replace_existing: true | false`; absent, the default (replace) still holds. */
  migrate(config: Record<string, unknown>, fromVersion: string): Record<string, unknown> {
    if (compareTemplateVersions(fromVersion, '2.0.0') >= 0) return config;
    const { replace_existing: replaceExisting, ...rest } = config;
    if (replaceExisting === undefined || rest.mode !== undefined) return rest;
    if (typeof replaceExisting !== 'boolean') throw new Error(`replace_existing is ${JSON.stringify(replaceExisting)}, not true or false, so it cannot become mode`);
    return { ...rest, mode: replaceExisting ? 'replace' : 'append' };
  }

  async execute(config: TableLoaderConfig, ctx: ExecutionContext): Promise<PluginResult> {
    const started = Date.now();
    const fileType = resolveFileType(config.file_path, config.file_type);
    const absolutePath = await this.roots.resolveReadableFile(config.file_path);

    let sheetName: string | undefined;
    const source: AsyncGenerator<SourceBatch> =
      fileType === 'xlsx' ? this.sheetRows(absolutePath, config, ctx, (name) => (sheetName = name)) : this.delimitedRows(absolutePath, fileType, config, ctx);

    try {
      // The header (or the first data row, which sets the width) comes before the table is created.
      let head: SourceBatch | null = null;
      let at = -1;
      while (at < 0) {
        const step = await source.next();
        if (step.done) break;
        head = step.value;
        at = head.rows.findIndex((cells) => !isBlank(cells));
      }
      if (!head || at < 0) {
        throw new Error(fileType === 'xlsx' ? `sheet '${sheetName ?? ''}' of ${config.file_path} is empty: nothing to import` : `${config.file_path} is empty: nothing to import`);
      }
      const firstCells = head.rows[at];
      const columns = config.has_header ? uniqueColumnNames(firstCells.map((cell) => (cell === null ? null : String(cell)))) : defaultColumnNames(firstCells.length);
      const dataFrom = config.has_header ? at + 1 : at;
      const headRest: SourceBatch = { rows: head.rows.slice(dataFrom), lines: head.lines.slice(dataFrom) };
      const parseText = fileType !== 'xlsx';

      ctx.log('info', `importing ${fileType.toUpperCase()} ${config.file_path}${sheetName ? ` (sheet '${sheetName}')` : ''} into '${config.table_name}' with ${columns.length} columns`);

      // Rows become values in place (the arrays are the reader's, fresh per batch): text cells are parsed
      // (parseCell), short rows padded with nulls (counted, or refused under strict_columns), long ones
      // refused with their line.
      const width = columns.length;
      const warnings: ImportWarning[] = [];
      let rowsPadded = 0;
      const padShort = (cells: CellValue[], line: number) => {
        // A blank line kept by skip_empty_lines=false is a row of nulls by request, not a short row.
        const blank = cells.length === 0 || (cells.length === 1 && (cells[0] === '' || cells[0] === null));
        if (parseText && !blank) {
          const problem = `expected ${width} fields, found ${cells.length}`;
          if (config.strict_columns) throw new Error(`short row ${line}: ${problem} (strict_columns is on)`);
          rowsPadded++;
          if (warnings.length < MAX_WARNINGS) warnings.push({ line, message: `short row: ${problem}; the missing fields are null` });
        }
        while (cells.length < width) cells.push(null);
      };
      const toValues = (batch: SourceBatch): CellValue[][] => {
        const { rows, lines } = batch;
        for (let k = 0; k < rows.length; k++) {
          const cells = rows[k];
          if (cells.length > width) throw new Error(`ragged row ${lines[k]}: expected ${width} fields, found ${cells.length}`);
          if (parseText) {
            for (let i = 0; i < cells.length; i++) {
              const cell = cells[i];
              if (typeof cell === 'string') cells[i] = parseCell(cell);
            }
          }
          if (cells.length < width) padShort(cells, lines[k]);
        }
        return rows;
      };
      async function* batches(): AsyncGenerator<CellValue[][]> {
        yield toValues(headRest);
        for (let step = await source.next(); !step.done; step = await source.next()) yield toValues(step.value);
      }

      const result = await importRows(this.store, ctx, config.table_name, { batches: batches() }, {
        mode: config.mode,
        columns,
        startedAt: started,
        source: { file_path: config.file_path, file_type: fileType, ...(sheetName !== undefined ? { sheet: sheetName } : {}) },
        summary: () => ({ rows_padded: rowsPadded, warnings }),
      });
      if (rowsPadded > 0) {
        ctx.log('warn', `padded ${rowsPadded} short row${rowsPadded === 1 ? '' : 's'} with nulls (first at line ${warnings[0].line}); set strict_columns to refuse them`);
      }
      return result;
    } finally {
      await source.return(undefined); // closes the file however the import ended
    }
  }

  private async *delimitedRows(absolutePath: string, fileType: TableFileType, config: TableLoaderConfig, ctx: ExecutionContext): AsyncGenerator<SourceBatch> {
    const batches = readDelimited(absolutePath, {
      delimiter: config.delimiter ?? (fileType === 'tsv' ? '\t' : ','),
      quote: config.quote,
      encoding: config.encoding,
      skipEmptyLines: config.skip_empty_lines,
      displayPath: config.file_path,
      label: fileType.toUpperCase(),
      signal: ctx.signal,
    });
    try {
      for await (const batch of batches) yield { rows: batch.records, lines: batch.lines };
    } finally {
      await batches.return(undefined);
    }
  }

  private sheetRows(absolutePath: string, config: TableLoaderConfig, ctx: ExecutionContext, onSheet: (name: string) => void): AsyncGenerator<SourceBatch> {
    return readSheet(absolutePath, {
      sheet: config.sheet,
      keepEmptyRows: !config.skip_empty_lines,
      displayPath: config.file_path,
      onSheet,
      signal: ctx.signal,
    });
  }
}
