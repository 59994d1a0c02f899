import { useEffect, useMemo } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { api, call } from '../api/client';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { StatusBadge } from '../components/StatusBadge';
import { humanize } from '../format';
import { useLoad, useTitle } from '../hooks';
import { edgeState } from '../triggers/dependencies';
import { DEFAULT_BOX, fitLabel, layoutGraph } from '../triggers/graph-layout';

/** Characters of a name that fit a node at DEFAULT_BOX's width. */
const LABEL_CHARS = 24;

/** Every dependency between instances, drawn left (upstreams) to right (dependents), with the same edges as a list. */
export function DependencyGraphPage() {
  useTitle('Dependencies');
  const navigate = useNavigate();
  const { hash } = useLocation();
  const graph = useLoad((signal) => call(api.GET('/api/plugins/graph', { signal })), []);
  const layout = useMemo(() => (graph.data ? layoutGraph(graph.data.nodes, graph.data.edges) : undefined), [graph.data]);
  const names = useMemo(() => new Map((graph.data?.nodes ?? []).map((node) => [node.id, node.name])), [graph.data]);

  // A link to one instance's place in the graph (#node-<id>) brings that node into view.
  useEffect(() => {
    if (layout && hash.startsWith('#node-')) document.getElementById(hash.slice(1))?.scrollIntoView({ block: 'center', inline: 'center' });
  }, [layout, hash]);

  return (
    <>
      <div className="page-head with-action">
        <div>
          <h1>Dependencies</h1>
          <p className="lead">Which instances run after which: each arrow goes from an upstream to the instance it starts once all of that instance’s upstreams have succeeded.</p>
        </div>
        <button type="button" className="button" onClick={graph.reload} disabled={graph.loading}>
          {graph.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {graph.error ? <ErrorNotice error={graph.error} onRetry={graph.reload} /> : null}
      {graph.loading && !graph.data ? <Loading what="the dependency graph" /> : null}
      {graph.data && layout && graph.data.nodes.length === 0 ? (
        <EmptyState title="No instance depends on another yet">
          <p>
            Open an <Link to="/instances">instance</Link> and use “Choose upstreams” under Dependencies: it then runs each time its upstreams have succeeded, and the chain shows here.
          </p>
        </EmptyState>
      ) : null}
      {graph.data && layout && graph.data.nodes.length > 0 ? (
        <div className="graph-layout">
          <section className="panel graph-panel" aria-labelledby="graph-drawing-heading">
            <h2 id="graph-drawing-heading">Drawing</h2>
            <p className="graph-legend small">
              <span className="legend-item">
                <svg aria-hidden="true" width="36" height="10">
                  <line x1="0" y1="5" x2="36" y2="5" className="edge satisfied" />
                </svg>
                upstream has succeeded for the next run
              </span>
              <span className="legend-item">
                <svg aria-hidden="true" width="36" height="10">
                  <line x1="0" y1="5" x2="36" y2="5" className="edge waiting" />
                </svg>
                waiting for the upstream
              </span>
            </p>
            <div className="graph-box" tabIndex={0} role="group" aria-label="Dependency graph drawing; scroll to see all of it">
              <svg className="graph" width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`}>
                <defs>
                  <marker id="arrow-satisfied" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" className="arrow satisfied" />
                  </marker>
                  <marker id="arrow-waiting" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" className="arrow waiting" />
                  </marker>
                </defs>
                {layout.edges.map((edge) => (
                  <path key={`${edge.from} ${edge.to}`} d={edge.path} className={`edge ${edge.satisfied_by ? 'satisfied' : 'waiting'}`} markerEnd={`url(#arrow-${edge.satisfied_by ? 'satisfied' : 'waiting'})`} />
                ))}
                {layout.nodes.map((node) => (
                  <a
                    key={node.id}
                    id={`node-${node.id}`}
                    href={`/instances/${node.id}`}
                    className={`graph-node status-${node.status}${hash === `#node-${node.id}` ? ' highlighted' : ''}`}
                    // The name holds the visible text in its order (WCAG 2.5.3, label in name), with the full name where the box cuts it;
                    // no <title>: its text would count as content that the name leaves out.
                    aria-label={`${node.name} ${humanize(node.status)} · ${node.template_id}`}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate(`/instances/${node.id}`);
                    }}
                  >
                    <rect x={node.x} y={node.y} width={DEFAULT_BOX.width} height={DEFAULT_BOX.height} rx="6" />
                    {/* One text with a space between its lines, so its words read apart (as the name says them). */}
                    <text>
                      <tspan x={node.x + 12} y={node.y + 23} className="node-name">
                        {fitLabel(node.name, LABEL_CHARS)}
                      </tspan>{' '}
                      <tspan x={node.x + 12} y={node.y + 42} className="node-status">
                        {humanize(node.status)} · {node.template_id}
                      </tspan>
                    </text>
                  </a>
                ))}
              </svg>
            </div>
          </section>
          <section className="panel" aria-labelledby="graph-edges-heading">
            <h2 id="graph-edges-heading">Every dependency</h2>
            {graph.data.edges.length === 0 ? (
              <p>No dependencies.</p>
            ) : (
              <ul className="edge-list">
                {graph.data.edges.map((edge) => (
                  <li key={`${edge.from} ${edge.to}`}>
                    <Link to={`/instances/${edge.from}`}>{names.get(edge.from) ?? edge.from}</Link> <span aria-hidden="true">→</span> <span className="visually-hidden">starts</span>{' '}
                    <Link to={`/instances/${edge.to}`}>{names.get(edge.to) ?? edge.to}</Link>
                    <span className={`edge-state small ${edge.satisfied_by ? 'satisfied' : 'waiting'}`}>{edgeState(edge, names.get(edge.from) ?? edge.from, names.get(edge.to) ?? edge.to)}</span>
                  </li>
                ))}
              </ul>
            )}
            <h3>Instances</h3>
            <ul className="node-list">
              {graph.data.nodes.map((node) => (
                <li key={node.id}>
                  <Link to={`/instances/${node.id}`}>{node.name}</Link> <StatusBadge status={node.status} />
                </li>
              ))}
            </ul>
          </section>
        </div>
      ) : null}
    </>
  );
}
