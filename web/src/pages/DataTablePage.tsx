import { Link, useParams } from 'react-router-dom';
import { api, call } from '../api/client';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { formatCount } from '../format';
import { useLoad, useMore, useTitle } from '../hooks';
import { ListFooter } from '../components/ListFooter';
import { Breadcrumb } from '../components/Breadcrumb';

const PAGE = 50;

const numeric = (type: string | undefined): boolean => type === 'INTEGER' || type === 'REAL';

/** One cell as text: null shows as a dimmed "null", objects as JSON. */
function Cell({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">null</span>;
  return <>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</>;
}

/** The rows of one data-store table (`/data/<name>`), a page at a time; wide tables scroll sideways. */
export function DataTablePage() {
  const { name = '' } = useParams();
  useTitle(name);
  const tables = useLoad((signal) => call(api.GET('/api/data/tables', { signal })), []);
  const table = tables.data?.items.find((item) => item.name === name);
  const first = useLoad((signal) => call(api.GET('/api/data/tables/{name}/rows', { params: { path: { name }, query: { limit: PAGE } }, signal })), [name]);
  const rows = useMore(first.data, (cursor) => call(api.GET('/api/data/tables/{name}/rows', { params: { path: { name }, query: { limit: PAGE, cursor } } })));
  const columns = table?.columns ?? Object.keys(rows.items[0] ?? {}).map((column) => ({ name: column, type: undefined }));

  return (
    <>
      <Breadcrumb trail={[{ to: '/data', label: 'Data tables' }]} />
      <div className="page-head with-action">
        <div>
          <h1>{name}</h1>
          {table ? (
            <p className="lead">
              {formatCount(table.row_count, 'row')}, {formatCount(table.columns.length, 'column')}, in the order the import wrote them.
            </p>
          ) : null}
        </div>
        <button type="button" className="button" onClick={() => { tables.reload(); first.reload(); }} disabled={first.loading}>
          {first.loading && first.data ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {first.error ? <ErrorNotice error={first.error} onRetry={first.error.status === 404 ? undefined : first.reload} /> : null}
      {first.error?.status === 404 ? (
        <p>
          The table may have been replaced or dropped by a later run. <Link to="/data">See the tables there are</Link>.
        </p>
      ) : null}
      {first.loading && !first.data ? <Loading what="rows" /> : null}
      {first.data && rows.items.length === 0 ? (
        <EmptyState title="This table has no rows">
          <p>The last import wrote none. Check the run’s log on its instance page, fix the source or the config, and run it again.</p>
        </EmptyState>
      ) : null}
      {rows.items.length > 0 ? (
        <>
          <div className="table-scroll" role="region" aria-label={`Rows of ${name}, scrolls sideways`} tabIndex={0}>
            <table className="data-table rows-table" aria-busy={first.loading}>
              <caption className="visually-hidden">Rows of {name}, in storage order</caption>
              <thead>
                <tr>
                  <th scope="col" className="row-number">
                    #
                  </th>
                  {columns.map((column) => (
                    <th scope="col" key={column.name} className={numeric(column.type) ? 'numeric' : undefined}>
                      <span className="column-name">{column.name}</span>
                      {column.type ? <span className="column-type">{column.type}</span> : null}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.items.map((row, index) => (
                  <tr key={index}>
                    <td className="row-number">{index + 1}</td>
                    {columns.map((column) => (
                      <td key={column.name} className={numeric(column.type) ? 'numeric' : undefined}>
                        <Cell value={row[column.name]} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ListFooter more={rows} label={`Load ${PAGE} more rows`} status={`${formatCount(rows.items.length, 'row')} shown${table ? ` of ${table.row_count.toLocaleString()}` : ''}.`} />
        </>
      ) : null}
    </>
  );
}
