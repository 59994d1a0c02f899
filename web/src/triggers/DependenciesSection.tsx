import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import type { Instance } from '../../../openapi/client';
import { api, call } from '../api/client';
import type { ApiError } from '../api/problem';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { StatusBadge } from '../components/StatusBadge';
import { asApiError, useDebounced, useLoad } from '../hooks';
import { cycleInWords, edgeState, errorsByPosition, neighbours, type Named, type Neighbour } from './dependencies';
import { saveInstance } from './save';
import { SaveProblem } from './SaveProblem';

/** The most upstreams an instance may have (the API refuses more). */
const MAX_UPSTREAMS = 20;

/** The instance page's dependencies: the instances it runs after, the ones it starts, and the editor for depends_on. */
export function DependenciesSection({ instance, onSaved, onReload }: { instance: Instance; onSaved: (instance: Instance) => void; onReload: () => void }) {
  const graph = useLoad((signal) => call(api.GET('/api/plugins/graph', { params: { query: { instance_id: instance.id } }, signal })), [instance.id, instance.version]);
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const provisioned = instance.provisioned_from !== null && instance.provisioned_from !== undefined;
  const { upstreams, dependents } = graph.data ? neighbours(graph.data, instance.id) : { upstreams: [], dependents: [] };
  const close = () => {
    setEditing(false);
    setTimeout(() => editButton.current?.focus());
  };
  // A new version (saved here, or reloaded after someone else's change) ends editing: the page shows it as it is now.
  useEffect(() => setEditing(false), [instance.version]);

  return (
    <section className="panel dependencies-panel" aria-labelledby="dependencies-heading">
      <div className="panel-head">
        <h2 id="dependencies-heading">Dependencies</h2>
        {!editing ? (
          <div className="actions">
            <button ref={editButton} type="button" className="button small" onClick={() => setEditing(true)} disabled={provisioned || !graph.data}>
              Choose upstreams
            </button>
          </div>
        ) : null}
      </div>
      {graph.error ? <ErrorNotice error={graph.error} onRetry={graph.reload} /> : null}
      {editing && graph.data ? (
        <DependsOnEditor
          instance={instance}
          initial={upstreams.map(({ node }) => ({ id: node.id, name: node.name }))}
          onCancel={close}
          onSaved={(updated) => {
            onSaved(updated);
            close();
          }}
          onReload={onReload}
        />
      ) : graph.data ? (
        <div className="columns">
          <div>
            <h3>Runs after</h3>
            <NeighbourList entries={upstreams} describe={({ node, edge }) => edgeState(edge, node.name, instance.name)} />
            {upstreams.length === 0 ? (
              <EmptyState title="No upstreams">
                <p>Choose upstreams to run this instance each time all of them have succeeded.</p>
              </EmptyState>
            ) : upstreams.length > 1 ? (
              <p className="muted small">It runs once all of them have succeeded since its last run started this way.</p>
            ) : null}
          </div>
          <div>
            <h3>Starts</h3>
            <NeighbourList entries={dependents} describe={({ node, edge }) => edgeState(edge, instance.name, node.name)} />
            {dependents.length === 0 ? <p className="muted">No instance runs after this one. Open another instance and choose this one as its upstream to chain them.</p> : null}
          </div>
        </div>
      ) : null}
      {graph.data && (upstreams.length > 0 || dependents.length > 0) && !editing ? (
        <p>
          <Link to={`/dependencies#node-${instance.id}`}>See it in the dependency graph</Link>
        </p>
      ) : null}
    </section>
  );
}

function NeighbourList({ entries, describe }: { entries: Neighbour[]; describe: (entry: Neighbour) => string }) {
  if (entries.length === 0) return null;
  return (
    <ul className="neighbour-list">
      {entries.map((entry) => (
        <li key={entry.node.id}>
          <Link to={`/instances/${entry.node.id}`}>{entry.node.name}</Link> <StatusBadge status={entry.node.status} />
          <span className={`edge-state ${entry.edge.satisfied_by ? 'satisfied' : 'waiting'}`}>{describe(entry)}</span>
        </li>
      ))}
    </ul>
  );
}

function DependsOnEditor({ instance, initial, onSaved, onCancel, onReload }: { instance: Instance; initial: Named[]; onSaved: (instance: Instance) => void; onCancel: () => void; onReload: () => void }) {
  const [chosen, setChosen] = useState<Named[]>(initial);
  const [query, setQuery] = useState('');
  const settled = useDebounced(query.trim(), 300);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  /** A refused list, and the list it was refused for: its pointers name positions in that list. */
  const [refused, setRefused] = useState<{ list: Named[]; error: ApiError } | null>(null);
  const search = useRef<HTMLInputElement>(null);
  useEffect(() => search.current?.focus(), []);
  const candidates = useLoad((signal) => (settled === '' ? Promise.resolve(undefined) : call(api.GET('/api/plugins/instances', { params: { query: { q: settled, limit: 8 } }, signal }))), [settled]);
  const offered = (candidates.data?.items ?? []).filter((candidate) => candidate.id !== instance.id && !chosen.some((entry) => entry.id === candidate.id));

  const current = refused?.list === chosen ? refused.error : null;
  const cycle = current?.type === 'dependency-cycle' ? cycleInWords(current) : null;
  const { byPosition, other } = errorsByPosition(current?.status === 400 ? current.errors : []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaveError(null);
    setRefused(null);
    setSaving(true);
    try {
      onSaved(await saveInstance(instance, { depends_on: chosen.map((entry) => entry.id) }));
    } catch (error) {
      const problem = asApiError(error);
      if (problem.type === 'dependency-cycle' || (problem.status === 400 && problem.errors.length > 0)) setRefused({ list: chosen, error: problem });
      else setSaveError(problem);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="depends-editor" onSubmit={submit} noValidate aria-label="Upstreams">
      <p className="muted small">“{instance.name}” runs each time all of the instances chosen here have succeeded. At most {MAX_UPSTREAMS}.</p>
      <h3 id="chosen-heading">Chosen upstreams</h3>
      {chosen.length === 0 ? <p className="muted">None: it runs only when asked, by its schedule or by webhook.</p> : null}
      <ul className="chosen-list" aria-labelledby="chosen-heading">
        {chosen.map((entry, position) => (
          <li key={entry.id} className={byPosition.has(position) ? 'has-error' : undefined}>
            <span>{entry.name}</span>
            <button type="button" className="button small" onClick={() => setChosen(chosen.filter((other) => other.id !== entry.id))}>
              Remove<span className="visually-hidden"> {entry.name}</span>
            </button>
            {byPosition.has(position) ? <span className="error-text small">{byPosition.get(position)!.join('; ')}</span> : null}
          </li>
        ))}
      </ul>
      {cycle ? (
        <div className="notice error" role="alert">
          <p className="notice-title">That would make a loop</p>
          <p>{cycle}</p>
          <p>Remove the upstream that closes the loop, then save again.</p>
        </div>
      ) : current ? (
        other.length > 0 || byPosition.size === 0 ? <ErrorNotice error={current} titlePrefix="Not saved" /> : null
      ) : null}
      <div className="field">
        <label htmlFor="upstream-search">Add an upstream: search instances by name</label>
        <input ref={search} id="upstream-search" type="search" autoComplete="off" value={query} onChange={(event) => setQuery(event.target.value)} aria-describedby="upstream-search-status" />
        <p className="field-hint" id="upstream-search-status" role="status">
          {settled === '' ? 'Type part of a name.' : candidates.loading ? 'Searching…' : offered.length === 0 ? 'No other instance matches.' : `${offered.length} match${offered.length === 1 ? '' : 'es'}.`}
        </p>
        {candidates.error ? <ErrorNotice error={candidates.error} onRetry={candidates.reload} /> : null}
        {offered.length > 0 ? (
          <ul className="candidate-list">
            {offered.map((candidate) => (
              <li key={candidate.id}>
                <button type="button" className="button small" onClick={() => setChosen([...chosen, { id: candidate.id, name: candidate.name }])} disabled={chosen.length >= MAX_UPSTREAMS}>
                  Add<span className="visually-hidden"> {candidate.name}</span>
                </button>
                <span>{candidate.name}</span> <StatusBadge status={candidate.status} />
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {saveError ? <SaveProblem error={saveError} onReload={onReload} /> : null}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save upstreams'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
