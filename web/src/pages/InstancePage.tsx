import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import type { Execution, Instance } from '../../../openapi/client';
import { api, call } from '../api/client';
import { isFinal } from '../api/events';
import type { ApiError } from '../api/problem';
import { useInstanceEvents, withLiveRuns } from '../api/use-instance-events';
import { useFollowedRun } from '../api/use-run';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { RunProgress } from '../components/RunProgress';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { resultTable } from '../format';
import { VersionList } from '../history/VersionList';
import { formatDuration, humanize, runOutcome, triggerLabel } from '../format';
import { asApiError, useLoad, useMore, useTitle } from '../hooks';
import { InstanceTriggers } from '../triggers/InstanceTriggers';
import { ListFooter } from '../components/ListFooter';
import { Breadcrumb } from '../components/Breadcrumb';

const HISTORY_PAGE = 20;

export function InstancePage() {
  const { id = '' } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const flash = (location.state as { flash?: string } | null)?.flash;
  const instance = useLoad((signal) => call(api.GET('/api/plugins/instances/{id}', { params: { path: { id } }, signal })), [id]);
  const template = useLoad(
    (signal) => (instance.data ? call(api.GET('/api/plugins/templates/{template_id}', { params: { path: { template_id: instance.data.template_id } }, signal })) : Promise.resolve(undefined)),
    [instance.data?.template_id],
  );
  const history = useLoad((signal) => call(api.GET('/api/plugins/instances/{id}/executions', { params: { path: { id }, query: { limit: HISTORY_PAGE } }, signal })), [id]);
  useTitle(instance.data?.name ?? 'Instance');

  /** The run this page follows: the one Run now started, or one already under way when the page opened. */
  const [followed, setFollowed] = useState<Execution | undefined>();
  const [runNote, setRunNote] = useState<string | null>(null);
  const [runError, setRunError] = useState<ApiError | null>(null);
  const [starting, setStarting] = useState(false);
  useEffect(() => {
    const latest = history.data?.items[0];
    if (latest && !isFinal(latest.status) && followed?.id !== latest.id && !followed) setFollowed(latest);
  }, [history.data, followed]);

  const { reload: reloadInstance, setData: setInstance } = instance;
  const { reload: reloadHistory } = history;
  const reloadAll = useCallback(() => {
    reloadInstance();
    reloadHistory();
  }, [reloadInstance, reloadHistory]);
  // Runs started anywhere (schedule, webhook, upstream, retry, another user) as they happen: one stream, no polling.
  const live = useInstanceEvents(id, { onInstance: setInstance, onResync: reloadAll });
  useEffect(() => {
    if (live.active && live.active.id !== followed?.id) setFollowed(live.active);
  }, [live.active]);
  const liveConnection = useRef(live.connection);
  liveConnection.current = live.connection;
  // The stream brings the instance and the run's row when a run ends; without it, read them again.
  const onFinished = useCallback(() => {
    if (liveConnection.current !== 'live') reloadAll();
  }, [reloadAll]);
  const run = useFollowedRun(followed, onFinished);

  const runNow = async () => {
    setStarting(true);
    setRunError(null);
    setRunNote(null);
    try {
      const execution = await call(api.POST('/api/plugins/instances/{id}/execute', { params: { path: { id }, header: { Prefer: 'respond-async' } } }));
      setFollowed(execution);
      reloadHistory();
    } catch (error) {
      const problem = asApiError(error);
      const running = problem.type === 'execution-in-progress' ? problem.extension('execution_id') : undefined;
      if (running) {
        setRunNote('A run was already under way; this is it.');
        setFollowed(await call(api.GET('/api/plugins/executions/{execution_id}', { params: { path: { execution_id: running } } })).catch(() => undefined));
      } else {
        setRunError(problem);
      }
    } finally {
      setStarting(false);
    }
  };

  const cancel = async () => {
    if (!run.execution) return;
    setRunError(null);
    try {
      await call(api.POST('/api/plugins/executions/{execution_id}/cancel', { params: { path: { execution_id: run.execution.id } } }));
    } catch (error) {
      const problem = asApiError(error);
      if (problem.type !== 'execution-finished') setRunError(problem); // finished meanwhile: the stream says how
    }
  };

  if (instance.error && !instance.data) {
    return (
      <>
        <h1>Instance</h1>
        <ErrorNotice error={instance.error} onRetry={instance.error.status === 404 ? undefined : instance.reload} />
        {instance.error.status === 404 ? (
          <p>
            It may have been deleted. <Link to="/instances">See all instances</Link>.
          </p>
        ) : null}
      </>
    );
  }
  if (!instance.data) return <Loading what="the instance" />;
  const current: Instance = instance.data;
  const active = run.execution && !isFinal(run.execution.status);

  return (
    <>
      <Breadcrumb trail={[{ to: '/instances', label: 'Instances' }]} />
      <div className="page-head with-action">
        <div>
          <h1>
            {current.name} <StatusBadge status={current.status} />
          </h1>
          <p className="lead">
            {template.data?.name ?? current.template_id} · version {current.version}
          </p>
        </div>
        <div className="actions">
          <button type="button" className="button primary" onClick={runNow} disabled={starting || Boolean(active) || !current.enabled}>
            {starting ? 'Starting…' : 'Run now'}
          </button>
          <button type="button" className="button" onClick={() => navigate(`/instances/${current.id}/edit`)}>
            Edit
          </button>
        </div>
      </div>
      {flash ? (
        <p className="notice success" role="status">
          {flash}
        </p>
      ) : null}
      {!current.enabled ? (
        <p className="notice warning" role="status">
          This instance is disabled, so it does not run. <Link to={`/instances/${current.id}/edit`}>Edit it</Link> and tick “Enabled” to run it again.
        </p>
      ) : null}
      {current.config_error ? (
        <div className="notice error" role="status">
          <p className="notice-title">The config needs fixing before this instance can run</p>
          <p>{current.config_error.message}</p>
          <p>
            <Link to={`/instances/${current.id}/edit`}>Edit the config</Link> and save a valid one.
          </p>
        </div>
      ) : null}
      {current.provisioned_from ? (
        <p className="notice warning" role="status">
          This instance is declared in the provisioning file <code>{current.provisioned_from}</code>: it runs as any other, but edits and rollbacks here are refused. Change the file,
          then <Link to="/provisioning">reload provisioning</Link>.
        </p>
      ) : null}
      {runError ? <ErrorNotice error={runError} titlePrefix="Could not run" /> : null}

      {run.execution ? (
        <section className="panel run-panel" aria-labelledby="run-heading">
          <h2 id="run-heading">{active ? 'Running now' : 'Latest run'}</h2>
          {runNote ? <p className="muted">{runNote}</p> : null}
          <RunProgress execution={run.execution} progress={run.progress} connection={run.connection} label={`Progress of the run of ${current.name}`} />
          {run.error ? <ErrorNotice error={run.error} titlePrefix="Lost track of the run" /> : null}
          <div className="panel-actions">
            {active ? (
              <button type="button" className="button danger" onClick={cancel}>
                Cancel run
              </button>
            ) : null}
            <Link to={`/instances/${current.id}/runs/${run.execution.id}`}>Details and log of this run</Link>
          </div>
        </section>
      ) : null}

      <div className="columns">
        <section className="panel" aria-labelledby="details-heading">
          <h2 id="details-heading">Details</h2>
          <dl className="details">
            <dt>Template</dt>
            <dd>
              {template.data?.name ?? current.template_id} <span className="muted">({current.template_id}, version {current.template_version})</span>
            </dd>
            <dt>Enabled</dt>
            <dd>{current.enabled ? 'Yes' : 'No'}</dd>
            <dt>Last run</dt>
            <dd>
              <Time value={current.last_run} />
            </dd>
            {resultTable(current.last_result) ? (
              <>
                <dt>Last imported table</dt>
                <dd>
                  <Link to={`/data/${encodeURIComponent(resultTable(current.last_result)!)}`}>{resultTable(current.last_result)}</Link>
                </dd>
              </>
            ) : null}
            {/* The next run and the schedule are in the Schedule section below, with its state and the next runs. */}
            <dt>Attempts</dt>
            <dd>{current.execution_policy.max_attempts === 1 ? '1 (no retries)' : `Up to ${current.execution_policy.max_attempts}`}</dd>
            <dt>Timeout</dt>
            <dd>{current.execution_policy.timeout_ms ? formatDuration(current.execution_policy.timeout_ms) : 'The template’s default'}</dd>
            <dt>Created</dt>
            <dd>
              <Time value={current.created_at} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <Time value={current.updated_at} /> (version {current.version})
            </dd>
            {current.provisioned_from ? (
              <>
                <dt>Declared in</dt>
                <dd>
                  <code>{current.provisioned_from}</code> (read-only here)
                </dd>
              </>
            ) : null}
          </dl>
        </section>
        <section className="panel" aria-labelledby="config-heading">
          <h2 id="config-heading">Configuration</h2>
          {current.secret_fields.length > 0 ? <p className="muted small">Secrets show as ******** and are never sent to the browser: {current.secret_fields.join(', ')}.</p> : null}
          <pre className="code-block" tabIndex={0} aria-label="Configuration as JSON">
            {JSON.stringify(current.config, null, 2)}
          </pre>
        </section>
      </div>

      {/* The runs first: what people open an instance for most; then what starts it, then its versions. */}
      <History instanceId={current.id} page={history.data} live={live.runs} error={history.error} loading={history.loading} onReload={reloadHistory} />

      <InstanceTriggers instance={current} onSaved={instance.setData} onReload={reloadInstance} />
      <VersionList instanceId={current.id} current={current.version} />
    </>
  );
}

function History({ instanceId, page, live, error, loading, onReload }: { instanceId: string; page?: { items: Execution[]; next_cursor: string | null }; live: Execution[]; error?: ApiError; loading: boolean; onReload: () => void }) {
  const more = useMore(page, (cursor) => call(api.GET('/api/plugins/instances/{id}/executions', { params: { path: { id: instanceId }, query: { limit: HISTORY_PAGE, cursor } } })));
  // Runs heard on the stream, laid over the loaded pages (older pages stay loaded as runs come and go).
  const items = withLiveRuns({ items: more.items }, live)!.items;
  return (
    <section className="panel" aria-labelledby="history-heading">
      <div className="panel-head">
        <h2 id="history-heading">Run history</h2>
        <button type="button" className="button small" onClick={onReload} disabled={loading}>
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {error ? <ErrorNotice error={error} onRetry={onReload} /> : null}
      {page && items.length === 0 ? (
        <EmptyState title="No runs yet">
          <p>Use “Run now” above to run it; runs from its schedule, webhooks and upstream instances show here too.</p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="data-table history-table">
          <caption className="visually-hidden">Runs of this instance, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Duration</th>
              <th scope="col">Result or error</th>
            </tr>
          </thead>
          <tbody>
            {items.map((execution) => (
              <tr key={execution.id}>
                <th scope="row" data-label="Started">
                  <Link to={`/instances/${instanceId}/runs/${execution.id}`}>
                    {execution.started_at ? <Time value={execution.started_at} /> : 'Not started'}
                    <span className="visually-hidden">: details and log</span>
                  </Link>
                </th>
                <td data-label="Status">
                  <StatusBadge status={execution.status} />
                  {execution.attempt > 1 ? <span className="muted small"> attempt {execution.attempt}</span> : null}
                </td>
                <td data-label="Trigger">{triggerLabel(execution.trigger)}</td>
                <td data-label="Duration">{formatDuration(execution.duration_ms)}</td>
                <td data-label="Result" className={execution.error ? 'error-text' : undefined}>
                  {execution.error ? `${humanize(execution.error.type)}: ` : ''}
                  {runOutcome(execution)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ListFooter more={more} label="Load older runs" />
    </section>
  );
}
