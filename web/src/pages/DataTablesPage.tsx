import { Link } from 'react-router-dom';
import { api, call } from '../api/client';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { formatCount } from '../format';
import { useLoad, useTitle } from '../hooks';

/** The tables imports wrote into the data store (`/data`), with their columns and row counts. */
export function DataTablesPage() {
  useTitle('Data tables');
  const tables = useLoad((signal) => call(api.GET('/api/data/tables', { signal })), []);
  return (
    <>
      <div className="page-head with-action">
        <div>
          <h1>Data tables</h1>
          <p className="lead">What the imports wrote: each table in the data store with its columns and rows. Open one to page through its rows.</p>
        </div>
        <button type="button" className="button" onClick={tables.reload} disabled={tables.loading}>
          {tables.loading && tables.data ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {tables.error ? <ErrorNotice error={tables.error} onRetry={tables.reload} /> : null}
      {tables.loading && !tables.data ? <Loading what="tables" /> : null}
      {tables.data && tables.data.items.length === 0 ? (
        <EmptyState title="No tables yet">
          <p>
            Tables appear here once an import has run. <Link to="/instances">Open an instance</Link> of an import template (such as a Table Loader) and choose “Run now”, or{' '}
            <Link to="/templates">create one</Link>.
          </p>
        </EmptyState>
      ) : null}
      {tables.data && tables.data.items.length > 0 ? (
        <table className="data-table tables-table">
          <caption className="visually-hidden">Tables in the data store, by name</caption>
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">Rows</th>
              <th scope="col">Columns</th>
            </tr>
          </thead>
          <tbody>
            {tables.data.items.map((table) => (
              <tr key={table.name}>
                <th scope="row" data-label="Table">
                  <Link to={`/data/${encodeURIComponent(table.name)}`}>{table.name}</Link>
                </th>
                <td data-label="Rows">{table.row_count.toLocaleString()}</td>
                <td data-label="Columns">
                  <span className="visually-hidden">{formatCount(table.columns.length, 'column')}: </span>
                  <ul className="column-list">
                    {table.columns.map((column) => (
                      <li key={column.name}>
                        {column.name} <span className="column-type">{column.type}</span>
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
