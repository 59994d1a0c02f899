import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { components } from '../../../openapi/client';
import { api, call } from '../api/client';
import type { ApiError } from '../api/problem';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { humanize } from '../format';
import { asApiError, useLoad, useTitle } from '../hooks';

type Report = components['schemas']['ProvisioningReportDto'];

const STATUS_TEXT: Record<Report['status'], string> = {
  off: 'Off',
  applied: 'Applied',
  failed: 'Failed: nothing was changed',
};
const FILE_STATUS_CLASS: Record<string, string> = { applied: 'status-succeeded', invalid: 'status-failed', not_applied: 'status-cancelled' };

/** Provisioning from files (`/provisioning`): the last attempt's report per file, and reload. */
export function ProvisioningPage() {
  useTitle('Provisioning');
  const report = useLoad((signal) => call(api.GET('/api/plugins/provisioning', { signal })), []);
  const [reloading, setReloading] = useState(false);
  const [reloadError, setReloadError] = useState<ApiError | null>(null);
  const [reloaded, setReloaded] = useState(false);

  const reload = async () => {
    setReloading(true);
    setReloadError(null);
    setReloaded(false);
    try {
      report.setData(await call(api.POST('/api/plugins/provisioning/reload')));
      setReloaded(true);
    } catch (error) {
      setReloadError(asApiError(error));
    } finally {
      setReloading(false);
    }
  };

  const data = report.data;
  return (
    <>
      <div className="page-head with-action">
        <div>
          <h1>Provisioning</h1>
          <p className="lead">
            Instances declared in YAML or JSON files in <code>PROVISIONING_PATH</code>, applied at start and on reload, all files or none. Instances a file declares are
            read-only here.
          </p>
        </div>
        {data && data.status !== 'off' ? (
          <button type="button" className="button primary" onClick={reload} disabled={reloading}>
            {reloading ? 'Reloading…' : 'Reload the files'}
          </button>
        ) : null}
      </div>
      {report.error ? <ErrorNotice error={report.error} onRetry={report.reload} /> : null}
      {reloadError ? <ErrorNotice error={reloadError} titlePrefix="Not reloaded" /> : null}
      {report.loading && !data ? <Loading what="the provisioning report" /> : null}
      {data && data.status === 'off' ? (
        <EmptyState title="Provisioning is off">
          <p>
            Set <code>PROVISIONING_PATH</code> to a folder of <code>*.yaml</code>, <code>*.yml</code> or <code>*.json</code> files and restart the server to declare instances in
            files. Until then, instances are made here and through the API only.
          </p>
        </EmptyState>
      ) : null}
      {data && data.status !== 'off' ? (
        <>
          {reloaded ? (
            <p className={`notice ${data.status === 'applied' ? 'success' : 'error'}`} role="status">
              {data.status === 'applied' ? 'Reloaded: every file was applied.' : 'Reloaded, but not applied: a file has a problem (below), so nothing was changed.'}
            </p>
          ) : null}
          <section className="panel" aria-labelledby="provisioning-status-heading">
            <h2 id="provisioning-status-heading">Last attempt</h2>
            <dl className="details">
              <dt>Status</dt>
              <dd>
                <span className={`badge ${data.status === 'applied' ? 'status-succeeded' : 'status-failed'}`}>{STATUS_TEXT[data.status]}</span>
              </dd>
              <dt>Folder</dt>
              <dd>
                <code>{data.path}</code>
              </dd>
              <dt>Files read</dt>
              <dd>
                <Time value={data.checked_at} />
              </dd>
              <dt>Last applied</dt>
              <dd>{data.applied_at ? <Time value={data.applied_at} /> : 'Never by this server process'}</dd>
            </dl>
            {data.error ? (
              <div className="notice error" role="status">
                <p className="notice-title">The set could not be applied</p>
                <p>{data.error.message}</p>
              </div>
            ) : null}
            {data.status === 'failed' ? <p className="panel-note">Fix the file named below, then reload. The instances stay as the last successful apply left them.</p> : null}
          </section>
          {data.files.length === 0 ? (
            <EmptyState title="No provisioning files in the folder">
              <p>
                Add a <code>.yaml</code> file declaring <code>instances:</code> (see the provisioning docs), then reload.
              </p>
            </EmptyState>
          ) : (
            data.files.map((file) => (
              <section key={file.file} className="panel" aria-labelledby={`file-${file.file}`}>
                <div className="panel-head">
                  <h2 id={`file-${file.file}`}>
                    <code>{file.file}</code>
                  </h2>
                  <span className={`badge ${FILE_STATUS_CLASS[file.status] ?? ''}`}>{humanize(file.status)}</span>
                </div>
                {file.error ? (
                  <p className="error-text">
                    {file.error.path ? (
                      <>
                        At <code>{file.error.path}</code>:{' '}
                      </>
                    ) : null}
                    {file.error.message}
                  </p>
                ) : null}
                {file.status === 'not_applied' ? <p className="muted">This file is fine, but another one is not, and the files are applied together or not at all.</p> : null}
                {file.instances.length > 0 ? (
                  <table className="data-table">
                    <caption className="visually-hidden">What applying {file.file} did</caption>
                    <thead>
                      <tr>
                        <th scope="col">Instance</th>
                        <th scope="col">Outcome</th>
                      </tr>
                    </thead>
                    <tbody>
                      {file.instances.map((outcome) => (
                        <tr key={`${outcome.name} ${outcome.action}`}>
                          <th scope="row" data-label="Instance">
                            {outcome.id && outcome.action !== 'deleted' ? <Link to={`/instances/${outcome.id}`}>{outcome.name}</Link> : outcome.name}
                          </th>
                          <td data-label="Outcome">{humanize(outcome.action)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : null}
              </section>
            ))
          )}
          {data.released.length > 0 ? (
            <section className="panel" aria-labelledby="released-heading">
              <h2 id="released-heading">Released</h2>
              <p className="muted">No file declares these any more: they stay as they were and can be changed here again. Name them in a file’s delete_instances to remove them.</p>
              <ul>
                {data.released.map((item) => (
                  <li key={item.id}>
                    <Link to={`/instances/${item.id}`}>{item.name}</Link> <span className="muted">(was in {item.file})</span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </>
      ) : null}
    </>
  );
}
