import { Link } from 'react-router-dom';
import { api, call } from '../api/client';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { formatCount } from '../format';
import { useLoad, useTitle } from '../hooks';
import { Breadcrumb } from '../components/Breadcrumb';

/** Plugins the server could not load at boot (`/templates/load-errors`): which file, and why. */
export function LoadErrorsPage() {
  useTitle('Plugin load errors');
  const errors = useLoad((signal) => call(api.GET('/api/plugins/load-errors', { signal })), []);
  return (
    <>
      <Breadcrumb trail={[{ to: '/templates', label: 'Templates' }]} />
      <div className="page-head">
        <h1>Plugin load errors</h1>
        <p className="lead">
          Plugins that threw on import or failed their checks when the server started. The server runs without them: their templates are missing until the plugin is fixed
          and the server restarted.
        </p>
      </div>
      {errors.error ? <ErrorNotice error={errors.error} onRetry={errors.reload} /> : null}
      {errors.loading && !errors.data ? <Loading what="load errors" /> : null}
      {errors.data && errors.data.items.length === 0 ? (
        <EmptyState title="Every plugin loaded">
          <p>
            No plugin failed to load at the last start. Its templates are all on the <Link to="/templates">templates page</Link>. A template you expected and do not see there
            was not found: check that its folder is under <code>plugins/</code> or a root in <code>PLUGIN_PATHS</code>, then restart the server.
          </p>
        </EmptyState>
      ) : null}
      {errors.data && errors.data.items.length > 0 ? (
        <>
          <p role="status">
            {formatCount(errors.data.items.length, 'plugin')} did not load. Fix each file (the reason is below), then restart the server; <code>PLUGINS_STRICT=true</code> makes
            such a failure stop the start instead.
          </p>
          <ul className="problem-list">
            {errors.data.items.map((item) => (
              <li key={`${item.source} ${item.error}`} className="panel">
                <p className="problem-source">
                  <code>{item.source}</code>
                </p>
                <p className="error-text">{item.error}</p>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
