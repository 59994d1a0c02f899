import * as fs from 'node:fs';
import * as path from 'node:path';
import { createPluginClient, PluginClient } from '../openapi/client';
import { OpenApi30Validator, pointerSegment } from './helpers/openapi-schema';
import { TestApp } from './helpers/test-app';

/**
 * The seed flow driven only through the generated client, with every response body checked against
 * the committed spec's schema under strict OpenAPI 3.0.3 semantics (`nullable` only widens the `type`
 * beside it), so the spec cannot lie about what the server sends, not even to a strict validator.
 */
const spec = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'openapi', 'openapi.json'), 'utf8'));
const validator = new OpenApi30Validator(spec);

/** Validates a body against the response schema the spec gives for this operation and status. */
function expectMatchesSpec(route: string, method: string, status: number, body: unknown): void {
  const responses = spec.paths[route][method].responses;
  const response = responses[String(status)];
  expect({ route, method, status, documented: Boolean(response) }).toEqual({ route, method, status, documented: true });
  if (status === 204) return;
  const key = `${route} ${method} ${status}`;
  const mediaType = response.content['application/json'] ? 'application/json' : 'application/problem+json';
  const errors = validator.errors(`#/paths/${pointerSegment(route)}/${method}/responses/${status}/content/${pointerSegment(mediaType)}/schema`, body);
  expect({ key, errors }).toEqual({ key, errors: [] });
}

describe('the seed flow through the generated client (e2e)', () => {
  let app: TestApp;
  let api: PluginClient;

  beforeAll(async () => {
    app = await TestApp.start();
    api = createPluginClient(app.baseUrl);
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  it('lists templates, creates three instances, runs, reads history, updates, disables and deletes', async () => {
    const templates = await api.GET('/api/plugins/templates', { params: { query: { category: 'data_import' } } });
    expectMatchesSpec('/api/plugins/templates', 'get', templates.response.status, templates.data);
    expect(templates.data!.items.map((t) => t.id)).toContain('fixture_function');

    const template = await api.GET('/api/plugins/templates/{template_id}', { params: { path: { template_id: 'fixture_function' } } });
    expectMatchesSpec('/api/plugins/templates/{template_id}', 'get', 200, template.data);

    const validation = await api.POST('/api/plugins/templates/{template_id}/validate', { params: { path: { template_id: 'fixture_function' } }, body: { config: {} } });
    expectMatchesSpec('/api/plugins/templates/{template_id}/validate', 'post', 200, validation.data);
    expect(validation.data!.valid).toBe(false);

    const ids: string[] = [];
    for (const name of ['iLab Equipment 2024', 'PI Directory', 'Lab Resources Q1']) {
      const created = await api.POST('/api/plugins/instances', { body: { template_id: 'fixture_function', name, config: { mode: 'ok', label: name } } });
      expect(created.response.status).toBe(201);
      expectMatchesSpec('/api/plugins/instances', 'post', 201, created.data);
      ids.push(created.data!.id);
    }
    const duplicate = await api.POST('/api/plugins/instances', { body: { template_id: 'fixture_function', name: 'pi directory', config: { mode: 'ok' } } });
    expectMatchesSpec('/api/plugins/instances', 'post', 409, duplicate.error);
    const invalid = await api.POST('/api/plugins/instances', { body: { template_id: 'fixture_function', name: 'Bad', config: { mode: 'nope' } } });
    expectMatchesSpec('/api/plugins/instances', 'post', 400, invalid.error);

    const list = await api.GET('/api/plugins/instances', { params: { query: { template_id: 'fixture_function', limit: 2 } } });
    expectMatchesSpec('/api/plugins/instances', 'get', 200, list.data);
    expect(list.data!.next_cursor).not.toBeNull();

    const run = await api.POST('/api/plugins/instances/{id}/execute', { params: { path: { id: ids[0] } } });
    expectMatchesSpec('/api/plugins/instances/{id}/execute', 'post', 200, run.data);
    expect(run.data!.status).toBe('succeeded');
    expect(run.data!.error).toBeNull();

    // A failed run: `error` is an object and `result` null, the other branch of each nullable field.
    const broken = await api.POST('/api/plugins/instances', { body: { template_id: 'fixture_function', name: 'Broken Import', config: { mode: 'throw' } } });
    const failed = await api.POST('/api/plugins/instances/{id}/execute', { params: { path: { id: broken.data!.id } } });
    expectMatchesSpec('/api/plugins/instances/{id}/execute', 'post', 200, failed.data);
    expect(failed.data!.status).toBe('failed');
    expect(failed.data!.error).toMatchObject({ type: 'handler_error' });
    const failedInstance = await api.GET('/api/plugins/instances/{id}', { params: { path: { id: broken.data!.id } } });
    expectMatchesSpec('/api/plugins/instances/{id}', 'get', 200, failedInstance.data);
    expect(failedInstance.data!.status).toBe('error');

    const queued = await api.POST('/api/plugins/instances/{id}/execute', { params: { path: { id: ids[1] }, header: { Prefer: 'respond-async' } } as never });
    expect(queued.response.status).toBe(202);
    expectMatchesSpec('/api/plugins/instances/{id}/execute', 'post', 202, queued.data);

    const history = await api.GET('/api/plugins/instances/{id}/executions', { params: { path: { id: ids[0] } } });
    expectMatchesSpec('/api/plugins/instances/{id}/executions', 'get', 200, history.data);
    const execution = await api.GET('/api/plugins/executions/{execution_id}', { params: { path: { execution_id: run.data!.id } } });
    expectMatchesSpec('/api/plugins/executions/{execution_id}', 'get', 200, execution.data);
    const logs = await api.GET('/api/plugins/executions/{execution_id}/logs', { params: { path: { execution_id: run.data!.id } } });
    expectMatchesSpec('/api/plugins/executions/{execution_id}/logs', 'get', 200, logs.data);
    const finishedCancel = await api.POST('/api/plugins/executions/{execution_id}/cancel', { params: { path: { execution_id: run.data!.id } } });
    expectMatchesSpec('/api/plugins/executions/{execution_id}/cancel', 'post', 409, finishedCancel.error);

    const current = await api.GET('/api/plugins/instances/{id}', { params: { path: { id: ids[2] } } });
    expectMatchesSpec('/api/plugins/instances/{id}', 'get', 200, current.data);
    const updated = await api.PUT('/api/plugins/instances/{id}', {
      params: { path: { id: ids[2] }, header: { 'If-Match': current.response.headers.get('etag')! } },
      body: { name: 'Lab Resources Q2', execution_policy: { max_attempts: 2 } },
    });
    expectMatchesSpec('/api/plugins/instances/{id}', 'put', 200, updated.data);
    const stale = await api.PUT('/api/plugins/instances/{id}', { params: { path: { id: ids[2] }, header: { 'If-Match': current.response.headers.get('etag')! } }, body: { enabled: false } });
    expectMatchesSpec('/api/plugins/instances/{id}', 'put', 412, stale.error);
    const disabled = await api.PUT('/api/plugins/instances/{id}', { params: { path: { id: ids[2] } }, body: { enabled: false } });
    expect(disabled.data!.status).toBe('inactive');
    const refused = await api.POST('/api/plugins/instances/{id}/execute', { params: { path: { id: ids[2] } } });
    expectMatchesSpec('/api/plugins/instances/{id}/execute', 'post', 409, refused.error);

    const stats = await api.GET('/api/plugins/instances/stats');
    expectMatchesSpec('/api/plugins/instances/stats', 'get', 200, stats.data);
    const loadErrors = await api.GET('/api/plugins/load-errors');
    expectMatchesSpec('/api/plugins/load-errors', 'get', 200, loadErrors.data);
    const health = await api.GET('/health');
    expectMatchesSpec('/health', 'get', 200, health.data);
    const tables = await api.GET('/api/data/tables');
    expectMatchesSpec('/api/data/tables', 'get', 200, tables.data);
    const missingTable = await api.GET('/api/data/tables/{name}/rows', { params: { path: { name: 'nope' } } });
    expectMatchesSpec('/api/data/tables/{name}/rows', 'get', 404, missingTable.error);

    const removed = await api.DELETE('/api/plugins/instances/{id}', { params: { path: { id: ids[2] } } });
    expect(removed.response.status).toBe(204);
    const gone = await api.GET('/api/plugins/instances/{id}', { params: { path: { id: ids[2] } } });
    expectMatchesSpec('/api/plugins/instances/{id}', 'get', 404, gone.error);
  });
});
