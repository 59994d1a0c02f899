import { expectProblem, FIXTURE_ROOTS, TestApp } from './helpers/test-app';

describe('templates (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({ pluginRoots: [FIXTURE_ROOTS.good, FIXTURE_ROOTS.broken] });
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  it('lists bundled and fixture templates of both plugin styles, sorted by id', async () => {
    const response = await app.get('/api/plugins/templates');
    expect(response.status).toBe(200);
    expect(response.body.next_cursor).toBeNull();
    const ids = response.body.items.map((t: { id: string }) => t.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(['fixture_function', 'fixture_greeter', 'fixture_secret_holder', 'fixture_singleton', 'table_loader', 'api_fetcher']));
    const greeter = response.body.items.find((t: { id: string }) => t.id === 'fixture_greeter');
    expect(greeter).toMatchObject({
      name: 'Fixture Greeter',
      description: 'Class-style fixture with an injected provider',
      category: 'transformer',
      version: '2.1.0',
      supports_multiple_instances: true,
      instance_count: 0,
    });
    expect(greeter.config_schema.required).toEqual(['who']);
  });

  it('filters by category and rejects an unknown category with 400', async () => {
    const filtered = await app.get('/api/plugins/templates?category=data_import');
    expect(filtered.body.items.map((t: { id: string }) => t.id)).toEqual(['fixture_function', 'table_loader']);
    const fetchers = await app.get('/api/plugins/templates?category=api_fetcher');
    expect(fetchers.body.items.map((t: { id: string }) => t.id)).toEqual(['api_fetcher']);
    const bad = await app.get('/api/plugins/templates?category=teleporter');
    expectProblem(bad, 400, 'validation-failed');
    expect(bad.body.errors).toEqual([{ path: '/category', message: expect.stringContaining('data_import') }]);
  });

  it('gets one template; function style gets a default version and a normalised required array', async () => {
    const response = await app.get('/api/plugins/templates/fixture_function');
    expect(response.status).toBe(200);
    expect(response.body.version).toBe('1.0.0');
    expect(response.body.config_schema.required).toEqual(['mode']);
    expect(response.body.config_schema.properties.mode.required).toBeUndefined();
    expectProblem(await app.get('/api/plugins/templates/nope'), 404, 'template-not-found');
  });

  it('counts instances per template', async () => {
    const created = await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: 'Counted', config: { mode: 'ok' } });
    expect(created.status).toBe(201);
    expect((await app.get('/api/plugins/templates/fixture_function')).body.instance_count).toBe(1);
    const list = await app.get('/api/plugins/templates');
    expect(list.body.items.find((t: { id: string }) => t.id === 'fixture_function').instance_count).toBe(1);
  });

  describe('validate', () => {
    it('returns valid with defaults applied', async () => {
      const response = await app.post('/api/plugins/templates/fixture_greeter/validate', { config: { who: 'Ada' } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ valid: true, errors: [], config: { who: 'Ada', times: 1, tags: [] }, secret_fields: [] });
    });

    it('reports one entry per failing field with JSON Pointer paths', async () => {
      const response = await app.post('/api/plugins/templates/fixture_greeter/validate', {
        config: { times: 99, tags: ['ok', 7], contact: { email: 'not-an-email' }, extra: true },
      });
      expect(response.status).toBe(200);
      expect(response.body.valid).toBe(false);
      const paths = response.body.errors.map((e: { path: string }) => e.path).sort();
      expect(paths).toEqual(['/config/contact/email', '/config/extra', '/config/tags/1', '/config/times', '/config/who']);
      expect(response.body.errors.find((e: { path: string }) => e.path === '/config/who').message).toBe('is required');
    });

    it('needs a config object and a known template', async () => {
      expectProblem(await app.post('/api/plugins/templates/fixture_greeter/validate', { config: 'x' }), 400, 'validation-failed');
      expectProblem(await app.post('/api/plugins/templates/fixture_greeter/validate', {}), 400, 'validation-failed');
      expectProblem(await app.post('/api/plugins/templates/nope/validate', { config: {} }), 404, 'template-not-found');
    });

    describe('with instance_id (editing an instance)', () => {
      const MASK = '********';
      const TOKEN = 'tok-validate-edit-5c1e';
      const validate = (body: Record<string, unknown>) => app.post('/api/plugins/templates/api_fetcher/validate', body);
      let id: string;
      let stored: Record<string, unknown>;
      beforeAll(async () => {
        const created = await app.post('/api/plugins/instances', { template_id: 'api_fetcher', name: 'Validate an edit', config: { url: 'https://api.example.org/v1/items', auth: { type: 'bearer', token: TOKEN } } });
        expect(created.status).toBe(201);
        id = created.body.id;
        stored = created.body.config;
      });

      it('counts a kept secret (left out or sent as the mask) as present, as a PUT would', async () => {
        const kept = { ...stored, auth: { type: 'bearer' } };
        // On its own the config lacks the token: the console used to hide this error.
        expect((await validate({ config: kept })).body.errors).toEqual([{ path: '/config/auth/token', message: 'is required' }]);
        for (const config of [kept, { ...stored, auth: { type: 'bearer', token: MASK } }]) {
          const verdict = await validate({ config, instance_id: id });
          expect(verdict.status).toBe(200);
          expect(verdict.body).toMatchObject({ valid: true, errors: [], secret_fields: ['auth.token'] });
          expect(verdict.body.config.auth).toEqual({ type: 'bearer', token: MASK });
          expect(verdict.text).not.toContain(TOKEN);
          expect((await app.put(`/api/plugins/instances/${id}`, { config })).status).toBe(200);
          // Back to version 1's content for the next case (a PUT is the reference the verdict must match).
          await app.post(`/api/plugins/instances/${id}/rollback`, { version: 1 });
        }
      });

      it('reports what a PUT reports for a required secret cleared with null, and the mask where nothing is stored', async () => {
        const before = (await app.get(`/api/plugins/instances/${id}`)).body;
        const cleared = { ...stored, auth: { type: 'bearer', token: null } };
        const verdict = await validate({ config: cleared, instance_id: id });
        expect(verdict.body.valid).toBe(false);
        expect(verdict.body.errors).toEqual([{ path: '/config/auth/token', message: expect.stringContaining('is required and cannot be cleared') }]);
        const put = await app.put(`/api/plugins/instances/${id}`, { config: cleared });
        expectProblem(put, 400, 'config-invalid');
        expect(put.body.errors).toEqual(verdict.body.errors);
        const maskWithoutValue = { ...stored, auth: { type: 'api_key', value: MASK } };
        expect((await validate({ config: maskWithoutValue, instance_id: id })).body.errors).toEqual([{ path: '/config/auth/value', message: expect.stringContaining('no secret is stored') }]);
        // Validate writes nothing: the instance is as it was.
        expect((await app.get(`/api/plugins/instances/${id}`)).body).toEqual(before);
      });

      it('needs an instance that exists and is of this template', async () => {
        const unknown = await validate({ config: stored, instance_id: '00000000-0000-4000-8000-000000000000' });
        expectProblem(unknown, 404, 'instance-not-found');
        expect(unknown.body.errors).toEqual([{ path: '/instance_id', message: 'no instance has this id' }]);
        const other = await app.post('/api/plugins/instances', { template_id: 'fixture_greeter', name: 'Another template', config: { who: 'Ada' } });
        const mismatch = await validate({ config: stored, instance_id: other.body.id });
        expectProblem(mismatch, 422, 'instance-template-mismatch');
        expect(mismatch.body.errors).toEqual([{ path: '/instance_id', message: "is an instance of template 'fixture_greeter'" }]);
        expectProblem(await validate({ config: stored, instance_id: 'not-a-uuid' }), 400, 'validation-failed');
        expectProblem(await validate({ config: stored, instance_id: 7 }), 400, 'validation-failed');
      });
    });
  });

  it('lists every broken plugin with its file and reason, and still serves', async () => {
    const response = await app.get('/api/plugins/load-errors');
    expect(response.status).toBe(200);
    const errors: { source: string; error: string }[] = response.body.items;
    const find = (folder: string) => errors.filter((e) => e.source.includes(`/broken/${folder}`));
    expect(find('throws_on_import')[0].error).toContain('boom while importing');
    expect(find('throws_on_import')[0].source).toMatch(/throws_on_import\/index\.ts$/);
    expect(find('bad_schema')[0].error).toMatch(/broken_schema.*config_schema does not compile/);
    expect(find('duplicate_id')[0].error).toMatch(/fixture_function.*duplicate template id/);
    expect(find('bad_category').map((e) => e.error)).toEqual([
      expect.stringMatching(/bad_category.*category must be one of/),
      expect.stringMatching(/Bad-Id.*id must match/),
      expect.stringMatching(/bad_version.*semantic version/),
      expect.stringMatching(/bad_migrate.*migrate must be a function/),
    ]);
    expect(find('no_index')[0].error).toContain('no index file');
    expect(find('not_a_plugin')[0].error).toContain('exports no @PluginTemplate class');
    expect(find('module_missing_class')[0].error).toContain('ForgottenTemplate is exported but the plugin\'s module does not provide it');
    expect(find('request_scoped')[0].error).toBe(
      '@PluginTemplate class RequestScopedTemplate is request-scoped (itself or through a dependency); template handlers must be singletons',
    );
    expect(errors).toHaveLength(11);
    const health = await app.get('/health');
    const templateCount = (await app.get('/api/plugins/templates')).body.items.length;
    expect(health.body).toMatchObject({ status: 'ok', plugin_load_errors: 11, templates: templateCount });
    // The duplicate did not replace the original.
    expect((await app.get('/api/plugins/templates/fixture_function')).body.name).toBe('Fixture Function');
  });
});

describe('PLUGINS_STRICT', () => {
  it('makes a broken plugin fatal at boot', async () => {
    await expect(TestApp.start({ pluginRoots: [FIXTURE_ROOTS.broken], env: { PLUGINS_STRICT: 'true' } })).rejects.toThrow(/PLUGINS_STRICT=true.*failed to load/s);
  });

  it('boots with only good plugins', async () => {
    const app = await TestApp.start({ pluginRoots: [FIXTURE_ROOTS.good], env: { PLUGINS_STRICT: 'true' } });
    expect((await app.get('/api/plugins/load-errors')).body.items).toEqual([]);
    await app.close();
    app.removeData();
  });

  it('reports a missing plugin root', async () => {
    const app = await TestApp.start({ pluginRoots: ['/nonexistent/plugin/root'] });
    expect((await app.get('/api/plugins/load-errors')).body.items).toEqual([
      { source: '/nonexistent/plugin/root', error: expect.stringContaining('not readable') },
    ]);
    await app.close();
    app.removeData();
  });
});
