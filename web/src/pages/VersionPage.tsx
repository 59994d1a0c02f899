import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, call, callWithResponse } from '../api/client';
import type { ApiError } from '../api/problem';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { formatDuration } from '../format';
import { changeKindMeaning, versionChangeLabel } from '../history/change-kind';
import { DiffList } from '../history/DiffList';
import { diffLines, versionDocument } from '../history/diff-lines';
import { asApiError, useLoad, useTitle } from '../hooks';
import { Breadcrumb } from '../components/Breadcrumb';

/**
 * One version of an instance (`/instances/<id>/versions/<v>?compare=<w>`): its content, what changed between it and
 * another version (by default the current one; older on the left), and rollback to it.
 */
export function VersionPage() {
  const { id = '', version: versionParam = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const number = Number(versionParam);
  const instance = useLoad(async (signal) => {
    const { data, response } = await callWithResponse(api.GET('/api/plugins/instances/{id}', { params: { path: { id } }, signal }));
    return { instance: data, etag: response.headers.get('etag') ?? undefined };
  }, [id]);
  const version = useLoad((signal) => call(api.GET('/api/plugins/instances/{id}/versions/{version}', { params: { path: { id, version: number } }, signal })), [id, number]);
  const versions = useLoad((signal) => call(api.GET('/api/plugins/instances/{id}/versions', { params: { path: { id }, query: { limit: 100 } }, signal })), [id]);
  const current = instance.data?.instance.version;
  const compareParam = params.get('compare');
  const compare = compareParam !== null && /^\d+$/.test(compareParam) ? Number(compareParam) : current === number ? number - 1 : current;
  const from = compare === undefined ? undefined : Math.min(number, compare);
  const to = compare === undefined ? undefined : Math.max(number, compare);
  const diff = useLoad(
    async (signal) => {
      if (from === undefined || to === undefined || from < 1 || from === to) return null;
      const [patch, before] = await Promise.all([
        call(api.GET('/api/plugins/instances/{id}/versions/{version}/diff', { params: { path: { id, version: from }, query: { to } }, signal })),
        call(api.GET('/api/plugins/instances/{id}/versions/{version}', { params: { path: { id, version: from } }, signal })),
      ]);
      return { ...patch, lines: diffLines(patch.patch, versionDocument(before)) };
    },
    [id, from, to],
  );
  useTitle(`Version ${versionParam} of ${instance.data?.instance.name ?? 'instance'}`);

  const [confirming, setConfirming] = useState(false);
  const [rolling, setRolling] = useState(false);
  const [rollbackError, setRollbackError] = useState<ApiError | null>(null);

  const rollback = async () => {
    if (!instance.data) return;
    setRolling(true);
    setRollbackError(null);
    try {
      const { etag } = instance.data;
      const updated = await call(api.POST('/api/plugins/instances/{id}/rollback', { params: { path: { id }, header: etag ? { 'If-Match': etag } : undefined }, body: { version: number } }));
      navigate(`/instances/${id}`, { state: { flash: `Rolled back: version ${updated.version} has the content of version ${number}.` } });
    } catch (error) {
      setRollbackError(asApiError(error));
      setConfirming(false);
    } finally {
      setRolling(false);
    }
  };

  if (instance.error && !instance.data) {
    return (
      <>
        <h1>Version {versionParam}</h1>
        <ErrorNotice error={instance.error} onRetry={instance.error.status === 404 ? undefined : instance.reload} />
        <p>
          <Link to="/instances">See all instances</Link>
        </p>
      </>
    );
  }
  if (!instance.data) return <Loading what="the instance" />;
  const { instance: owner } = instance.data;
  const isCurrent = number === owner.version;
  const choices = (versions.data?.items ?? []).map((item) => item.version).filter((value) => value !== number);

  return (
    <>
      <Breadcrumb trail={[{ to: '/instances', label: 'Instances' }, { to: `/instances/${id}`, label: owner.name }]} />
      <div className="page-head with-action">
        <div>
          <h1>
            Version {versionParam} of {owner.name}
          </h1>
          {version.data ? (
            <p className="lead">
              <span title={changeKindMeaning(version.data.change_kind)}>{versionChangeLabel(version.data)}</span> by {version.data.changed_by}, <Time value={version.data.changed_at} />
              {isCurrent ? ' · the current version' : ` · the instance is now at version ${owner.version}`}
            </p>
          ) : null}
        </div>
        {version.data && !isCurrent ? (
          <div className="actions">
            <button type="button" className="button" onClick={() => setConfirming(true)} disabled={confirming || rolling || owner.provisioned_from !== null} aria-expanded={confirming} aria-controls="rollback-confirm">
              Roll back to this version
            </button>
          </div>
        ) : null}
      </div>

      {owner.provisioned_from ? (
        <div className="notice warning" role="status">
          <p className="notice-title">This instance is declared in a provisioning file</p>
          <p>
            Its content comes from <code>{owner.provisioned_from}</code>, so it cannot be rolled back here. To go back to this version, put its content into that file and{' '}
            <Link to="/provisioning">reload provisioning</Link>.
          </p>
        </div>
      ) : null}

      {confirming ? (
        <div id="rollback-confirm" className="notice warning" role="alertdialog" aria-labelledby="rollback-confirm-title" aria-describedby="rollback-confirm-text">
          <p id="rollback-confirm-title" className="notice-title">
            Roll back {owner.name} to version {number}?
          </p>
          <p id="rollback-confirm-text">
            The instance gets the name, config (secrets included), schedule and settings of version {number} as a new version {owner.version + 1}. Nothing in the history is
            removed: you can roll forward again the same way.
          </p>
          <div className="notice-actions">
            <button type="button" className="button primary" onClick={rollback} disabled={rolling} autoFocus>
              {rolling ? 'Rolling back…' : `Roll back to version ${number}`}
            </button>
            <button type="button" className="button" onClick={() => setConfirming(false)} disabled={rolling}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {rollbackError ? <RollbackProblem error={rollbackError} onReload={() => { setRollbackError(null); instance.reload(); }} /> : null}

      <section className="panel" aria-labelledby="diff-heading">
        <div className="panel-head">
          <h2 id="diff-heading">{from !== undefined && to !== undefined && from >= 1 && from !== to ? `What changed from version ${from} to version ${to}` : 'Compare'}</h2>
        </div>
        <div className="compare-picker">
          <div className="filter">
            <label htmlFor="compare-with">Compare version {number} with</label>
            <select
              id="compare-with"
              value={compare !== undefined && compare >= 1 && compare !== number ? String(compare) : ''}
              onChange={(event) =>
                setParams(
                  (currentParams) => {
                    const next = new URLSearchParams(currentParams);
                    next.set('compare', event.target.value);
                    return next;
                  },
                  { replace: true },
                )
              }
            >
              {compare === undefined || compare < 1 || compare === number ? <option value="">Choose a version</option> : null}
              {choices.map((value) => (
                <option key={value} value={value}>
                  Version {value}
                  {value === owner.version ? ' (current)' : ''}
                </option>
              ))}
              {compare !== undefined && compare >= 1 && compare !== number && !choices.includes(compare) ? <option value={compare}>Version {compare}</option> : null}
            </select>
          </div>
        </div>
        {diff.error ? <ErrorNotice error={diff.error} onRetry={diff.reload} /> : null}
        {diff.loading && !diff.data ? <Loading what="the changes" /> : null}
        {diff.data === null && !diff.loading ? <p className="muted">This is the first version: choose another one to compare it with.</p> : null}
        {diff.data ? (
          diff.data.lines.length === 0 ? (
            <p>No differences: versions {diff.data.from} and {diff.data.to} have the same content.</p>
          ) : (
            <>
              <p className="muted small">
                Old values are struck through, new ones underlined. Secrets show only that they changed.
              </p>
              <DiffList lines={diff.data.lines} label={`Changes from version ${diff.data.from} to version ${diff.data.to}`} />
            </>
          )
        ) : null}
      </section>

      {version.error ? <ErrorNotice error={version.error} onRetry={version.error.status === 404 ? undefined : version.reload} /> : null}
      {version.error?.status === 404 ? (
        <p>
          Versions beyond the newest kept ones are pruned. <Link to={`/instances/${id}`}>See the versions that are kept</Link>.
        </p>
      ) : null}
      {version.data ? (
        <div className="columns">
          <section className="panel" aria-labelledby="version-details-heading">
            <h2 id="version-details-heading">Settings of version {number}</h2>
            <dl className="details">
              <dt>Name</dt>
              <dd>{version.data.name}</dd>
              <dt>Enabled</dt>
              <dd>{version.data.enabled ? 'Yes' : 'No'}</dd>
              <dt>Template</dt>
              <dd>
                {version.data.template_id} <span className="muted">(version {version.data.template_version})</span>
              </dd>
              <dt>Schedule</dt>
              <dd>{version.data.schedule ? `${version.data.schedule.cron ? `cron ${version.data.schedule.cron}` : `every ${version.data.schedule.every}`} (${version.data.schedule.timezone})` : 'None'}</dd>
              <dt>Runs after</dt>
              <dd>{version.data.depends_on.length > 0 ? version.data.depends_on.map((upstream) => <Link key={upstream} to={`/instances/${upstream}`} className="inline-list-item">{upstream}</Link>) : 'No other instance'}</dd>
              <dt>Attempts</dt>
              <dd>{version.data.execution_policy.max_attempts}</dd>
              <dt>Timeout</dt>
              <dd>{version.data.execution_policy.timeout_ms ? formatDuration(version.data.execution_policy.timeout_ms) : 'The template’s default'}</dd>
            </dl>
          </section>
          <section className="panel" aria-labelledby="version-config-heading">
            <h2 id="version-config-heading">Configuration of version {number}</h2>
            {version.data.secret_fields.length > 0 ? <p className="muted small">Secrets show as ********: {version.data.secret_fields.join(', ')}.</p> : null}
            <pre className="code-block" tabIndex={0} aria-label={`Configuration of version ${number} as JSON`}>
              {JSON.stringify(version.data.config, null, 2)}
            </pre>
          </section>
        </div>
      ) : null}
    </>
  );
}

/** Why a rollback was refused, and what to do: someone changed the instance (412), a file owns it (409 provisioned), or the problem as sent. */
function RollbackProblem({ error, onReload }: { error: ApiError; onReload: () => void }) {
  if (error.status === 412) {
    return (
      <div className="notice error" role="alert">
        <p className="notice-title">Not rolled back: someone changed this instance since this page loaded it</p>
        <p>
          Nothing was changed.{error.currentVersion ? ` The instance is now at version ${error.currentVersion}.` : ''} Reload to see the instance as it is now, compare again, and roll back if you still want to.
        </p>
        <div className="notice-actions">
          <button type="button" className="button primary" onClick={onReload}>
            Reload the instance
          </button>
        </div>
      </div>
    );
  }
  if (error.type === 'provisioned') {
    return (
      <div className="notice error" role="alert">
        <p className="notice-title">Not rolled back: the instance is declared in a provisioning file</p>
        <p>{error.detail}</p>
        <p>
          Put this version’s content into <code>{error.extension('provisioned_from') ?? 'the file'}</code> and <Link to="/provisioning">reload provisioning</Link>.
        </p>
      </div>
    );
  }
  return <ErrorNotice error={error} titlePrefix="Not rolled back" />;
}
