import { Link } from 'react-router-dom';
import type { Template } from '../../../openapi/client';
import { api, call } from '../api/client';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { formatCount, humanize } from '../format';
import { useLoad, useTitle } from '../hooks';

/** The categories in the order a pipeline uses them: bring data in, reshape it, send it out. */
const CATEGORY_ORDER = ['data_import', 'file_importer', 'api_fetcher', 'transformer', 'exporter'];
const CATEGORY_LABEL: Record<string, string> = {
  data_import: 'Data import',
  file_importer: 'File import',
  api_fetcher: 'API fetch',
  transformer: 'Transform',
  exporter: 'Export',
};

export function TemplatesPage() {
  useTitle('Templates');
  const templates = useLoad((signal) => call(api.GET('/api/plugins/templates', { signal })), []);

  const byCategory = new Map<string, Template[]>();
  for (const template of templates.data?.items ?? []) byCategory.set(template.category, [...(byCategory.get(template.category) ?? []), template]);
  const categories = [...byCategory.keys()].sort((a, b) => rank(a) - rank(b));

  return (
    <>
      <div className="page-head">
        <h1>Templates</h1>
        <p className="lead">A template is plugin code with a config schema. Create an instance of one to give it a name and a config, then run it.</p>
        <p className="small">
          A template missing? See the <Link to="/templates/load-errors">plugins that failed to load</Link>.
        </p>
      </div>
      {templates.error ? <ErrorNotice error={templates.error} onRetry={templates.reload} /> : null}
      {templates.loading && !templates.data ? <Loading what="templates" /> : null}
      {templates.data && templates.data.items.length === 0 ? (
        <EmptyState title="No templates are loaded">
          <p>
            The server found no plugins. Templates are folders under <code>plugins/</code> (or a root in <code>PLUGIN_PATHS</code>); see the{' '}
            <Link to="/templates/load-errors">plugins that failed to load</Link>, fix them, then restart the server.
          </p>
        </EmptyState>
      ) : null}
      <div className="template-categories">
      {categories.map((category) => (
        <section key={category} className="template-category" aria-labelledby={`category-${category}`}>
          <h2 id={`category-${category}`}>{CATEGORY_LABEL[category] ?? humanize(category)}</h2>
          <ul className="card-list">
            {byCategory.get(category)!.map((template) => (
              <li key={template.id} className="card">
                <h3>{template.name}</h3>
                <p className="muted small">
                  <code>{template.id}</code> · version {template.version}
                </p>
                <p>{template.description}</p>
                <div className="card-actions">
                  {template.supports_multiple_instances || template.instance_count === 0 ? (
                    <Link className="button primary" to={`/instances/new?template=${encodeURIComponent(template.id)}`}>
                      Create instance<span className="visually-hidden"> of {template.name}</span>
                    </Link>
                  ) : (
                    <span className="muted small">Allows one instance, which exists.</span>
                  )}
                  {template.instance_count > 0 ? (
                    <Link to={`/instances?template_id=${encodeURIComponent(template.id)}`}>
                      {formatCount(template.instance_count, 'instance')}
                      <span className="visually-hidden"> of {template.name}</span>
                    </Link>
                  ) : (
                    <span className="muted small">No instances yet</span>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </section>
      ))}
      </div>
    </>
  );
}

function rank(category: string): number {
  const index = CATEGORY_ORDER.indexOf(category);
  return index < 0 ? CATEGORY_ORDER.length : index;
}
