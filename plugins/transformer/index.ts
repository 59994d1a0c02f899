import { CellValue, ConfigIssue, DataStoreService, ExecutionContext, PluginHandler, PluginResult, PluginTemplate, uniqueColumnNames } from '../../src/sdk';

export type QueryParam = string | number | boolean | null;

export interface TransformerConfig {
  query: string;
  params?: QueryParam[];
  target_table: string;
  replace_existing: boolean;
}

type Row = Record<string, unknown>;

@PluginTemplate({
  id: 'transformer',
  name: 'SQL Transformer',
  description:
    'Runs one read-only SELECT over the data store and materialises its rows into a table: replacing it atomically (readers see the old ' +
    'or the new table, never half) or appending to it. The query may read the target table itself.',
  category: 'transformer',
  version: '1.0.0',
  supportsMultipleInstances: true,
  configSchema: {
    type: 'object',
    title: 'SQL Transformer',
    additionalProperties: false,
    required: ['query', 'target_table'],
    properties: {
      query: {
        type: 'string',
        title: 'Query',
        description:
          'One read-only SELECT (or WITH ... SELECT) over the data store; anything else is refused. Its column names become the ' +
          'columns of the target table, and their types are inferred from the values. Use `?` placeholders for values (they work on SQLite and PostgreSQL alike).',
        minLength: 1,
        maxLength: 100000,
        examples: ['SELECT site, COUNT(*) AS readings, AVG(value) AS mean FROM measurements GROUP BY site ORDER BY site'],
      },
      params: {
        type: 'array',
        title: 'Query parameters',
        description: 'Values bound to the placeholders of `query`, in order.',
        items: { type: ['string', 'number', 'boolean', 'null'] },
        maxItems: 1000,
        default: [],
        examples: [['north', 10]],
      },
      target_table: {
        type: 'string',
        title: 'Target table',
        description: 'The data-store table the rows are written to; created if missing.',
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        maxLength: 63,
        examples: ['site_summary'],
      },
      replace_existing: {
        type: 'boolean',
        title: 'Replace existing table',
        description: 'true: replace the table with the query result in one transaction. false: append the rows (the columns must match the existing table).',
        default: true,
      },
    },
    examples: [{ query: 'SELECT site, AVG(value) AS mean FROM measurements GROUP BY site', target_table: 'site_means', replace_existing: true }],
  },
})
export class TransformerTemplate implements PluginHandler<TransformerConfig> {
  constructor(private readonly store: DataStoreService) {}

  validate(config: TransformerConfig): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const queryProblem = this.store.checkReadOnlyQuery(config.query);
    if (queryProblem) issues.push({ path: '/query', message: queryProblem });
    const tableProblem = this.store.checkTableName(config.target_table);
    if (tableProblem) issues.push({ path: '/target_table', message: tableProblem });
    return issues;
  }

  async execute(config: TransformerConfig, ctx: ExecutionContext): Promise<PluginResult> {
    const started = performance.now();
    // Checked again at run time: the framework validates before each run, but the handler must not rely on it.
    const problem = this.store.checkReadOnlyQuery(config.query) ?? this.store.checkTableName(config.target_table);
    if (problem) throw new Error(problem);
    const mode = config.replace_existing ? 'replace' : 'append';

    const rows = this.store.query(config.query, config.params ?? [], { signal: ctx.signal })[Symbol.asyncIterator]();
    let first: IteratorResult<Row>;
    try {
      first = await rows.next();
    } catch (error) {
      await rows.return?.();
      throw error;
    }
    if (first.done) {
      const exists = (await this.store.describeTable(config.target_table)) !== null;
      const note = `the query returned no rows: table '${config.target_table}' was ${exists ? 'left unchanged' : 'not created'}`;
      ctx.log('info', note);
      return { rows_written: 0, target_table: config.target_table, columns: [], duration_ms: Math.round(performance.now() - started), note };
    }

    // The first row's keys fix the column order; names that collide case-insensitively get _2, _3, ...
    const keys = Object.keys(first.value);
    const columns = uniqueColumnNames(keys);
    async function* arrays(): AsyncGenerator<CellValue[]> {
      try {
        yield keys.map((key) => first.value[key] as CellValue);
        for (;;) {
          const next = await rows.next();
          if (next.done) return;
          yield keys.map((key) => next.value[key] as CellValue);
        }
      } finally {
        await rows.return?.();
      }
    }

    let result: Awaited<ReturnType<DataStoreService['writeTable']>>;
    try {
      result = await this.store.writeTable(config.target_table, arrays(), {
        mode,
        columns,
        signal: ctx.signal,
        onProgress: (written) => ctx.progress({ current: written, message: `${written} rows written to ${config.target_table}` }),
      });
    } finally {
      // writeTable may fail before it reads a row (e.g. columns that do not match for append): close the query.
      await rows.return?.();
    }
    ctx.log('info', `${mode === 'replace' ? 'replaced' : 'appended to'} ${result.table_name} with ${result.rows_written} rows`);
    return { rows_written: result.rows_written, target_table: result.table_name, columns: result.columns, duration_ms: Math.round(performance.now() - started) };
  }
}
