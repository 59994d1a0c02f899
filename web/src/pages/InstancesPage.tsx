import { useEffect, useRef, useState } from 'react';
import { Link, useNavigationType, useSearchParams } from 'react-router-dom';
import type { Instance, components } from '../../../openapi/client';
import { api, call } from '../api/client';
import { useRunEvents } from '../api/use-instance-events';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { shownOf } from '../format';
import { useDebounced, useLoad, useMore, useTitle } from '../hooks';
import { ListFooter } from '../components/ListFooter';

type InstanceStatus = components['schemas']['InstanceStatus'];
const STATUSES: InstanceStatus[] = ['pending', 'active', 'error', 'inactive'];
/** One page of the list: the API pages, so 10,000 instances cost what 50 do. */
const PAGE_SIZE = 50;

export function InstancesPage() {
  useTitle('Instances');
  const [params, setParams] = useSearchParams();
  const navigationType = useNavigationType();
  const q = params.get('q') ?? '';
  const templateId = params.get('template_id') ?? '';
  const status = (params.get('status') ?? '') as InstanceStatus | '';
  const enabled = params.get('enabled') ?? '';
  const filtered = q !== '' || templateId !== '' || status !== '' || enabled !== '';

  const [search, setSearch] = useState(q);
  const settledSearch = useDebounced(search, 300);
  const setParam = (name: string, value: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value === '') next.delete(name);
        else next.set(name, value);
        return next;
      },
      { replace: true },
    );
  // Only the typed text drives this effect: the URL follows it, not the other way round.
  useEffect(() => {
    if (settledSearch.trim() !== q) setParam('q', settledSearch.trim());
  }, [settledSearch]);
  useEffect(() => {
    if (navigationType === 'POP') setSearch(q); // back and forward bring their search text along
  }, [q, navigationType]);

  const templates = useLoad((signal) => call(api.GET('/api/plugins/templates', { signal })), []);
  const templateName = (id: string) => templates.data?.items.find((template) => template.id === id)?.name ?? id;

  const query = { q: q || undefined, template_id: templateId || undefined, status: status || undefined, enabled: enabled === '' ? undefined : enabled === 'true', limit: PAGE_SIZE };
  // The first page also asks for the total matching the filters (one COUNT on the server), for "50 of 1,234".
  const firstPage = useLoad((signal) => call(api.GET('/api/plugins/instances', { params: { query: { ...query, include_total: true } }, signal })), [q, templateId, status, enabled]);
  const more = useMore(firstPage.data, (cursor) => call(api.GET('/api/plugins/instances', { params: { query: { ...query, cursor } } })));
  const listed = more.items;

  // Status and last run as runs end, whoever started them: one stream of every run while the tab is visible, no polling.
  const [heard, setHeard] = useState<Map<string, Instance>>(() => new Map());
  useEffect(() => setHeard(new Map()), [firstPage.data]);
  const listedIds = useRef(new Set<string>());
  listedIds.current = new Set(listed.map((instance) => instance.id));
  useRunEvents(null, {
    onInstance: (instance) => {
      if (listedIds.current.has(instance.id)) setHeard((current) => new Map(current).set(instance.id, instance));
    },
    onResync: firstPage.reload,
  });
  const items = heard.size === 0 ? listed : listed.map((instance) => heard.get(instance.id) ?? instance);

  return (
    <>
      <div className="page-head with-action">
        <div>
          <h1>Instances</h1>
          <p className="lead">Named configurations of templates. Open one to run it and follow its runs.</p>
        </div>
        <Link className="button primary" to="/templates">
          New instance
        </Link>
      </div>

      <form className="filters" role="search" aria-label="Filter instances" onSubmit={(event) => event.preventDefault()}>
        <div className="filter search">
          <label htmlFor="filter-q">Search by name</label>
          <input id="filter-q" type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="Part of a name" autoComplete="off" />
        </div>
        <div className="filter">
          <label htmlFor="filter-template">Template</label>
          <select id="filter-template" value={templateId} onChange={(event) => setParam('template_id', event.target.value)}>
            <option value="">All templates</option>
            {(templates.data?.items ?? []).map((template) => (
              <option key={template.id} value={template.id}>
                {template.name}
              </option>
            ))}
            {templateId && templates.data && !templates.data.items.some((template) => template.id === templateId) ? <option value={templateId}>{templateId}</option> : null}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" value={status} onChange={(event) => setParam('status', event.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {value[0].toUpperCase() + value.slice(1)}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="filter-enabled">Enabled</label>
          <select id="filter-enabled" value={enabled} onChange={(event) => setParam('enabled', event.target.value)}>
            <option value="">Enabled or not</option>
            <option value="true">Enabled</option>
            <option value="false">Disabled</option>
          </select>
        </div>
        {filtered ? (
          <button
            type="button"
            className="button filter-clear"
            onClick={() => {
              setSearch('');
              setParams(new URLSearchParams(), { replace: true });
            }}
          >
            Clear filters
          </button>
        ) : null}
      </form>

      {firstPage.error ? <ErrorNotice error={firstPage.error} onRetry={firstPage.reload} /> : null}
      {firstPage.loading && !firstPage.data ? <Loading what="instances" /> : null}
      {firstPage.data && items.length === 0 ? (
        filtered ? (
          <EmptyState title="No instance matches these filters">
            <p>Change the search or the filters above, or clear them to see every instance.</p>
          </EmptyState>
        ) : (
          <EmptyState title="No instances yet">
            <p>
              An instance is a template with a name and a config. <Link to="/templates">Pick a template</Link> to create the first one.
            </p>
          </EmptyState>
        )
      ) : null}

      {items.length > 0 ? (
        <>
          <table className="data-table instances-table" aria-busy={firstPage.loading}>
            <caption className="visually-hidden">Instances{filtered ? ' matching the filters' : ''}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Template</th>
                <th scope="col">Status</th>
                <th scope="col">Last run</th>
                <th scope="col">Next run</th>
              </tr>
            </thead>
            <tbody>
              {items.map((instance) => (
                <tr key={instance.id}>
                  <th scope="row" data-label="Name">
                    <Link to={`/instances/${instance.id}`}>{instance.name}</Link>
                  </th>
                  <td data-label="Template">{templateName(instance.template_id)}</td>
                  <td data-label="Status">
                    <StatusBadge status={instance.status} />
                  </td>
                  <td data-label="Last run">
                    <Time value={instance.last_run} />
                  </td>
                  <td data-label="Next run">{instance.next_run_at ? <Time value={instance.next_run_at} /> : <span className="muted">{instance.enabled ? 'Not scheduled' : 'Disabled'}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ListFooter more={more} label={`Load ${PAGE_SIZE} more`} status={shownOf(items.length, firstPage.data?.total)} />
        </>
      ) : null}
    </>
  );
}
