import { CellValue, ConfigIssue, DataStoreService, ExecutionContext, isPlainObject, OutboundHttpService, PluginHandler, PluginResult, PluginTemplate, uniqueColumnNames } from '../../src/sdk';
import { API_FETCHER_CONFIG_SCHEMA, ApiFetcherConfig, StoreConfig } from './config';
import { FetchedRecord, fetchRecords, FetchState } from './fetch-pages';

export { API_FETCHER_CONFIG_SCHEMA } from './config';
export type { ApiFetcherConfig } from './config';

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

@PluginTemplate({
  id: 'api_fetcher',
  name: 'API Fetcher',
  description:
    'Fetches JSON records from an HTTP API (next-URL, page, offset or Link-header pagination; bearer, basic or API-key auth; retries with backoff) and stores them in a data-store table or previews them.',
  category: 'api_fetcher',
  version: '1.0.0',
  supportsMultipleInstances: true,
  configSchema: API_FETCHER_CONFIG_SCHEMA,
})
export class ApiFetcher implements PluginHandler<ApiFetcherConfig> {
  constructor(
    private readonly dataStore: DataStoreService,
    private readonly http: OutboundHttpService,
  ) {}

  /** Checks JSON Schema cannot express: URL scheme, a blocked IP-literal host, clashes between settings, table names. */
  validate(config: ApiFetcherConfig): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    let url: URL | null = null;
    try {
      url = new URL(config.url);
    } catch {
      issues.push({ path: '/url', message: 'must be an absolute URL' });
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') issues.push({ path: '/url', message: `must be an http or https URL, not ${url.protocol}` });
    if (url && (url.username || url.password)) issues.push({ path: '/url', message: 'must not contain credentials; use auth instead' });
    const refusal = url && (url.protocol === 'http:' || url.protocol === 'https:') ? this.http.checkUrl(url) : null;
    if (refusal) issues.push({ path: '/url', message: refusal });
    if (config.body !== undefined && config.method === 'GET') issues.push({ path: '/body', message: 'is sent only with method POST; remove it or set method to POST' });

    const authHeader = config.auth.type === 'bearer' || config.auth.type === 'basic' ? 'authorization' : config.auth.type === 'api_key' ? config.auth.header.toLowerCase() : null;
    for (const name of Object.keys(config.headers ?? {})) {
      if (name.toLowerCase() === authHeader) issues.push({ path: `/headers/${escapePointer(name)}`, message: `is set by auth (${config.auth.type}); remove it here` });
      if (name.toLowerCase() === 'content-type' && config.body !== undefined) issues.push({ path: `/headers/${escapePointer(name)}`, message: 'is application/json whenever a body is sent; remove it here' });
    }

    const pagination = config.pagination;
    const pageParams = pagination.type === 'page' ? [pagination.param, pagination.size_param] : pagination.type === 'offset' ? [pagination.param, pagination.limit_param] : [];
    for (const name of Object.keys(config.query ?? {})) {
      if (pageParams.includes(name)) issues.push({ path: `/query/${escapePointer(name)}`, message: `is set by pagination (${pagination.type}); remove it here` });
    }
    if (pagination.type === 'page' && pagination.size_param === pagination.param) issues.push({ path: '/pagination/size_param', message: 'must differ from param' });
    if (pagination.type === 'offset' && pagination.limit_param === pagination.param) issues.push({ path: '/pagination/limit_param', message: 'must differ from param' });

    if (config.store) {
      const problem = this.dataStore.checkTableName(config.store.table_name);
      if (problem) issues.push({ path: '/store/table_name', message: problem });
      const seen = new Set<string>();
      (config.store.columns ?? []).forEach((column, index) => {
        // The data store compares column names case-insensitively (SQLite does).
        if (seen.has(column.toLowerCase())) issues.push({ path: `/store/columns/${index}`, message: `repeats column '${column}' (names are case-insensitive)` });
        seen.add(column.toLowerCase());
      });
    }
    return issues;
  }

  async execute(config: ApiFetcherConfig, ctx: ExecutionContext): Promise<PluginResult> {
    const started = Date.now();
    const state: FetchState = { pages: 0, records: 0, http_status: null, truncated: false };
    const records = fetchRecords(config, state, {
      signal: ctx.signal,
      fetch: (url, init) => this.http.fetch(url, init),
      log: (level, message) => ctx.log(level, message),
      pageDone: (page, inPage, total) => ctx.progress({ current: page, message: `page ${page}: ${inPage} records (${total} in all)` }),
    });
    try {
      let tableName: string | null = null;
      let preview: unknown[] | undefined;
      if (config.store) {
        tableName = await this.storeRecords(config.store, records, ctx);
      } else {
        preview = [];
        for await (const record of records) if (preview.length < config.preview_limit) preview.push(record.value);
      }
      ctx.log('info', `fetched ${state.records} records in ${state.pages} pages${tableName ? ` into table ${tableName}` : ''}`);
      return {
        records_fetched: state.records,
        pages: state.pages,
        http_status: state.http_status,
        table_name: tableName,
        truncated: state.truncated,
        duration_ms: Date.now() - started,
        ...(preview ? { preview } : {}),
      };
    } finally {
      await records.return(undefined); // closes a response body left open when the write failed early
    }
  }

  /**
   * Streams the records into the table: columns are the first record's top-level fields plus
   * store.columns. Returns the table name, or null when there was nothing to write.
   */
  private async storeRecords(store: StoreConfig, records: AsyncGenerator<FetchedRecord>, ctx: ExecutionContext): Promise<string | null> {
    const first = await records.next();
    const fields: string[] = [];
    if (!first.done) fields.push(...Object.keys(objectRecord(first.value)));
    for (const column of store.columns ?? []) if (!fields.includes(column)) fields.push(column);
    if (fields.length === 0) {
      if (!first.done) throw new Error('page 1, record 1: the first record has no fields, so the table would have no columns; list them in store.columns');
      ctx.log('warn', `no records and no store.columns: table ${store.table_name} left as it was`);
      return null;
    }
    const position = new Map(fields.map((field, index) => [field, index]));
    const toRow = (record: FetchedRecord): CellValue[] => {
      const row: CellValue[] = new Array<CellValue>(fields.length).fill(null);
      for (const [field, value] of Object.entries(objectRecord(record))) {
        const index = position.get(field);
        if (index !== undefined) row[index] = value as CellValue;
        else if (!store.ignore_unknown_fields) {
          throw new Error(
            `page ${record.page}, record ${record.index}: field '${field}' is not a column of table ${store.table_name} ` +
              `(columns: ${fields.join(', ')}, from the first record and store.columns); add it to store.columns or set store.ignore_unknown_fields`,
          );
        }
      }
      return row;
    };
    async function* rows(): AsyncGenerator<CellValue[]> {
      if (!first.done) yield toRow(first.value);
      for await (const record of records) yield toRow(record);
    }
    const written = await this.dataStore.writeTable(store.table_name, rows(), {
      mode: store.replace_existing ? 'replace' : 'append',
      columns: uniqueColumnNames(fields),
      signal: ctx.signal,
    });
    return written.table_name;
  }
}

/** A record as a table row source: only JSON objects have fields to map onto columns. */
function objectRecord(record: FetchedRecord): Record<string, unknown> {
  if (!isPlainObject(record.value)) throw new Error(`page ${record.page}, record ${record.index}: is ${kindOf(record.value)}, but only JSON objects can be stored as table rows`);
  return record.value;
}
