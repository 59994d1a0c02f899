import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { Execution } from '../../../openapi/client';
import { api, call } from '../api/client';
import { isFinal } from '../api/events';
import type { ApiError } from '../api/problem';
import { useFollowedRun } from '../api/use-run';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { RunProgress } from '../components/RunProgress';
import { Time } from '../components/Time';
import { formatDuration, humanize, triggerLabel } from '../format';
import { asApiError, useLoad, useTitle } from '../hooks';
import { Breadcrumb } from '../components/Breadcrumb';

/** One run: what started it, how it went (live while it goes), its result or error, and its log. */
export function RunPage() {
  const { id = '', executionId = '' } = useParams();
  const execution = useLoad((signal) => call(api.GET('/api/plugins/executions/{execution_id}', { params: { path: { execution_id: executionId } }, signal })), [executionId]);
  const instance = useLoad((signal) => call(api.GET('/api/plugins/instances/{id}', { params: { path: { id } }, signal })), [id]);
  const logs = useLoad((signal) => call(api.GET('/api/plugins/executions/{execution_id}/logs', { params: { path: { execution_id: executionId } }, signal })), [executionId]);
  useTitle(`Run of ${instance.data?.name ?? 'an instance'}`);
  const [cancelError, setCancelError] = useState<ApiError | null>(null);

  const reloadLogs = logs.reload;
  const setExecution = execution.setData;
  const onFinished = useCallback(
    (final: Execution) => {
      setExecution(final);
      reloadLogs();
    },
    [setExecution, reloadLogs],
  );
  const run = useFollowedRun(execution.data, onFinished);
  const shown = run.execution ?? execution.data;
  useEffect(() => setCancelError(null), [executionId]);

  if (execution.error && !execution.data) {
    return (
      <>
        <h1>Run</h1>
        <ErrorNotice error={execution.error} onRetry={execution.reload} />
        <p>
          <Link to={`/instances/${id}`}>Back to the instance</Link>
        </p>
      </>
    );
  }
  if (!shown) return <Loading what="the run" />;
  const active = !isFinal(shown.status);

  const cancel = async () => {
    try {
      await call(api.POST('/api/plugins/executions/{execution_id}/cancel', { params: { path: { execution_id: shown.id } } }));
    } catch (error) {
      const problem = asApiError(error);
      if (problem.type !== 'execution-finished') setCancelError(problem);
    }
  };

  return (
    <>
      <Breadcrumb trail={[{ to: '/instances', label: 'Instances' }, { to: `/instances/${id}`, label: instance.data?.name ?? 'Instance' }]} />
      <div className="page-head">
        <h1>Run of {instance.data?.name ?? 'the instance'}</h1>
        <p className="lead">
          {shown.started_at ? (
            <>
              Started <Time value={shown.started_at} precise />
            </>
          ) : (
            'Not started yet'
          )}
          {' · '}
          {triggerLabel(shown.trigger)}
          {shown.attempt > 1 ? ` · attempt ${shown.attempt}` : ''}
        </p>
      </div>

      <section className="panel run-panel" aria-labelledby="progress-heading">
        <h2 id="progress-heading">{active ? 'Progress' : 'Outcome'}</h2>
        <RunProgress execution={shown} progress={run.progress} connection={run.connection} label="Progress of this run" />
        {run.error ? <ErrorNotice error={run.error} titlePrefix="Lost track of the run" /> : null}
        {cancelError ? <ErrorNotice error={cancelError} titlePrefix="Could not cancel" /> : null}
        {active ? (
          <div className="panel-actions">
            <button type="button" className="button danger" onClick={cancel}>
              Cancel run
            </button>
          </div>
        ) : null}
      </section>

      <div className="columns">
        <section className="panel" aria-labelledby="run-details-heading">
          <h2 id="run-details-heading">Details</h2>
          <dl className="details">
            <dt>Status</dt>
            <dd>{humanize(shown.status)}</dd>
            <dt>Trigger</dt>
            <dd>{triggerLabel(shown.trigger)}</dd>
            <dt>Config version</dt>
            <dd>{shown.config_version}</dd>
            <dt>Started</dt>
            <dd>
              <Time value={shown.started_at} precise />
            </dd>
            <dt>Finished</dt>
            <dd>
              <Time value={shown.finished_at} precise />
            </dd>
            <dt>Duration</dt>
            <dd>{formatDuration(shown.duration_ms)}</dd>
            <dt>Run id</dt>
            <dd>
              <code>{shown.id}</code>
            </dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="result-heading">
          <h2 id="result-heading">{shown.error ? 'Error' : 'Result'}</h2>
          {shown.error ? (
            <div className="notice error">
              <p className="notice-title">{humanize(shown.error.type)}</p>
              <p>{shown.error.message}</p>
              {shown.error.errors?.length ? (
                <ul>
                  {shown.error.errors.map((field) => (
                    <li key={`${field.path} ${field.message}`}>
                      <code>{field.path}</code> {field.message}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : shown.result ? (
            <pre className="code-block" tabIndex={0} aria-label="Result as JSON">
              {JSON.stringify(shown.result, null, 2)}
            </pre>
          ) : (
            <p className="muted">{active ? 'The result shows here when the run ends.' : 'This run returned no result.'}</p>
          )}
        </section>
      </div>

      <section className="panel" aria-labelledby="log-heading">
        <div className="panel-head">
          <h2 id="log-heading">Log</h2>
          <button type="button" className="button small" onClick={logs.reload} disabled={logs.loading}>
            {logs.loading ? 'Refreshing…' : 'Refresh'}
          </button>
        </div>
        {logs.error ? <ErrorNotice error={logs.error} onRetry={logs.reload} /> : null}
        {logs.data && logs.data.items.length === 0 ? (
          <EmptyState title="Nothing logged">
            <p>{active ? 'Lines the plugin logs appear here; the log reloads when the run ends.' : 'The plugin wrote no log lines during this run.'}</p>
          </EmptyState>
        ) : null}
        {logs.data && logs.data.items.length > 0 ? (
          <table className="data-table log-table">
            <caption className="visually-hidden">Log lines, in the order logged</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Level</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {logs.data.items.map((line, index) => (
                <tr key={index} className={`log-${line.level}`}>
                  <td data-label="Time">
                    <Time value={line.at} precise />
                  </td>
                  <td data-label="Level">{line.level}</td>
                  <td data-label="Message" className="log-message">
                    {line.message}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </>
  );
}
