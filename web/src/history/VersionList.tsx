import { Link } from 'react-router-dom';
import { api, call } from '../api/client';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Time } from '../components/Time';
import { useLoad, useMore } from '../hooks';
import { changeKindMeaning, versionChangeLabel } from './change-kind';
import { ListFooter } from '../components/ListFooter';

const PAGE = 20;

/** The instance page's list of versions, newest first: who changed what when, with links to each version and its diff. */
export function VersionList({ instanceId, current }: { instanceId: string; current: number }) {
  const first = useLoad((signal) => call(api.GET('/api/plugins/instances/{id}/versions', { params: { path: { id: instanceId }, query: { limit: PAGE } }, signal })), [instanceId, current]);
  const more = useMore(first.data, (cursor) => call(api.GET('/api/plugins/instances/{id}/versions', { params: { path: { id: instanceId }, query: { limit: PAGE, cursor } } })));
  return (
    <section className="panel" aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions</h2>
      <p className="muted small">Every change to the name, config, schedule or settings is kept as a version. Open one to see its content, compare it and roll back to it.</p>
      {first.error ? <ErrorNotice error={first.error} onRetry={first.reload} /> : null}
      {first.data && more.items.length === 0 ? (
        <EmptyState title="No versions kept">
          <p>History is kept from the next change on: edit the instance to start it.</p>
        </EmptyState>
      ) : null}
      {more.items.length > 0 ? (
        <table className="data-table versions-table">
          <caption className="visually-hidden">Versions of this instance, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Change</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
              <th scope="col">Compare</th>
            </tr>
          </thead>
          <tbody>
            {more.items.map((version) => (
              <tr key={version.version}>
                <th scope="row" data-label="Version">
                  <Link to={`/instances/${instanceId}/versions/${version.version}`}>
                    Version {version.version}
                    <span className="visually-hidden">: content and rollback</span>
                  </Link>
                  {version.version === current ? <span className="muted small"> (current)</span> : null}
                </th>
                <td data-label="Change" title={changeKindMeaning(version.change_kind)}>
                  {versionChangeLabel(version)}
                </td>
                <td data-label="By">{version.changed_by}</td>
                <td data-label="When">
                  <Time value={version.changed_at} />
                </td>
                <td data-label="Compare">
                  {version.version > 1 ? (
                    <Link to={`/instances/${instanceId}/versions/${version.version}?compare=${version.version - 1}`}>
                      What changed<span className="visually-hidden"> in version {version.version}</span>
                    </Link>
                  ) : (
                    <span className="muted">First version</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ListFooter more={more} label="Load older versions" />
    </section>
  );
}
