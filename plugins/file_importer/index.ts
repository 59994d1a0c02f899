import {
  CellValue,
  ConfigIssue,
  DataStoreService,
  ExecutionContext,
  FileRootsService,
  importRows,
  isPlainObject,
  PluginHandler,
  PluginResult,
  PluginTemplate,
  uniqueColumnNames,
} from '../../src/sdk';
import { parsePointer, readJsonRecords, readNdjsonRecords, resolveFileType, SourceRecord, unsupportedTypeReason, valueKind } from './records';

export interface FileImporterConfig {
  file_path: string;
  table_name: string;
  file_type: 'auto' | 'json' | 'ndjson';
  records_pointer: string;
  columns?: string[];
  ignore_unknown_fields: boolean;
  replace_existing: boolean;
}

@PluginTemplate({
  id: 'file_importer',
  name: 'JSON File Importer',
  description:
    'Imports the records of a JSON file (an array of objects, at the top level or at a JSON Pointer) or an NDJSON / JSON Lines ' +
    'file into a data-store table, streaming it so large files load in constant memory. Each object becomes a row; nested ' +
    'objects and arrays are stored as JSON text.',
  category: 'file_importer',
  version: '1.0.0',
  supportsMultipleInstances: true,
  configSchema: {
    type: 'object',
    title: 'JSON File Importer',
    description:
      'Columns: the file is streamed, so the set of keys across all records is not known up front. The table gets the names ' +
      'listed in `columns` (in that order), followed by the keys of the first record that are not listed (in the order they ' +
      'appear). A record missing a column gets null there; a record with a key outside the columns fails the import ' +
      "(\"record N has unknown field 'k'\") unless ignore_unknown_fields is true, which drops such keys.",
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
        examples: ['imports/publications.ndjson', 'imports/instruments.json'],
      },
      table_name: {
        type: 'string',
        title: 'Table name',
        description: 'The data-store table to fill: letters, digits and underscores, not starting with a digit, at most 63 characters.',
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        minLength: 1,
        maxLength: 63,
        examples: ['publications'],
      },
      file_type: {
        type: 'string',
        title: 'File type',
        description: 'json: one JSON document holding an array of objects. ndjson: one JSON object per line (blank lines are skipped). auto picks by extension: .json is json, .ndjson and .jsonl are ndjson.',
        enum: ['auto', 'json', 'ndjson'],
        default: 'auto',
      },
      records_pointer: {
        type: 'string',
        title: 'Records location',
        description: "JSON only: a JSON Pointer (RFC 6901) to the array of records inside the document, e.g. '/data/items'. Empty: the document itself is the array.",
        pattern: '^(/([^~]|~[01])*)*$',
        maxLength: 1024,
        default: '',
        examples: ['/data/items', '/results'],
      },
      columns: {
        type: 'array',
        title: 'Columns',
        description: "Column names to create in addition to the first record's keys, listed first and in this order. Use it for keys that later records have and the first one lacks.",
        items: { type: 'string', minLength: 1, maxLength: 255 },
        uniqueItems: true,
        maxItems: 2000,
        examples: [['doi', 'title', 'year']],
      },
      ignore_unknown_fields: {
        type: 'boolean',
        title: 'Ignore unknown fields',
        description: 'Drop keys that are not columns instead of failing the import.',
        default: false,
      },
      replace_existing: {
        type: 'boolean',
        title: 'Replace existing table',
        description:
          'true: the import replaces the table in one transaction (readers see the old or the new table, never a mix). ' +
          'false: rows are appended (the table is created if missing; its columns must match).',
        default: true,
      },
    },
  },
})
export class FileImporter implements PluginHandler<FileImporterConfig> {
  constructor(
    private readonly store: DataStoreService,
    private readonly roots: FileRootsService,
  ) {}

  validate(config: FileImporterConfig): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const pathProblem = this.roots.checkImportPath(config.file_path) ?? unsupportedTypeReason(config.file_path, config.file_type ?? 'auto');
    if (pathProblem) issues.push({ path: '/file_path', message: pathProblem });
    const tableProblem = this.store.checkTableName(config.table_name);
    if (tableProblem) issues.push({ path: '/table_name', message: tableProblem });
    if (!pathProblem && config.records_pointer && resolveFileType(config.file_path, config.file_type ?? 'auto') === 'ndjson') {
      issues.push({ path: '/records_pointer', message: 'records_pointer applies to JSON files only; NDJSON has one record per line' });
    }
    return issues;
  }

  async execute(config: FileImporterConfig, ctx: ExecutionContext): Promise<PluginResult> {
    const started = Date.now();
    const fileType = resolveFileType(config.file_path, config.file_type);
    parsePointer(config.records_pointer); // a malformed pointer fails before the file is opened
    const absolutePath = await this.roots.resolveReadableFile(config.file_path);

    const source =
      fileType === 'json' ? readJsonRecords(absolutePath, config.records_pointer, config.file_path, ctx.signal) : readNdjsonRecords(absolutePath, config.file_path, ctx.signal);
    // NDJSON errors lead with the line, as its parse errors do; JSON records are known by position.
    const where = (record: SourceRecord) => (record.line !== undefined ? `line ${record.line}: ` : '');

    try {
      const first = await source.next();
      if (!first.done && !isPlainObject(first.value.value)) {
        throw new Error(`${where(first.value)}record ${first.value.index} is ${valueKind(first.value.value)}, not an object`);
      }
      const keys = [...(config.columns ?? [])];
      const listed = new Set(keys);
      if (!first.done) for (const key of Object.keys(first.value.value as object)) if (!listed.has(key)) keys.push(key);
      if (keys.length === 0) {
        throw new Error(
          first.done
            ? `no records in ${config.file_path} and no columns configured: nothing to create`
            : `${where(first.value)}record 1 has no fields and no columns are configured`,
        );
      }
      // Keys map to positions; names are made unique (case-insensitively, as the store compares them).
      const columns = uniqueColumnNames(keys);
      const position = new Map(keys.map((key, i) => [key, i]));
      const columnList = columns.join(', ');
      const ignoreUnknown = config.ignore_unknown_fields;

      ctx.log('info', `importing ${fileType.toUpperCase()} ${config.file_path} into '${config.table_name}' with ${columns.length} columns`);

      async function* rows(): AsyncGenerator<CellValue[]> {
        const convert = (record: SourceRecord): CellValue[] => {
          if (!isPlainObject(record.value)) throw new Error(`${where(record)}record ${record.index} is ${valueKind(record.value)}, not an object`);
          const row: CellValue[] = new Array(columns.length).fill(null);
          for (const key of Object.keys(record.value)) {
            const at = position.get(key);
            if (at === undefined) {
              if (ignoreUnknown) continue;
              throw new Error(`${where(record)}record ${record.index} has unknown field '${key}' (columns: ${columnList})`);
            }
            row[at] = record.value[key] as CellValue;
          }
          return row;
        };
        if (first.done) return;
        yield convert(first.value);
        for (let next = await source.next(); !next.done; next = await source.next()) yield convert(next.value);
      }

      return await importRows(this.store, ctx, config.table_name, { rows: rows() }, {
        mode: config.replace_existing ? 'replace' : 'append',
        columns,
        noun: 'records',
        startedAt: started,
        source: { file_path: config.file_path, file_type: fileType },
      });
    } finally {
      await source.return(undefined);
    }
  }
}
