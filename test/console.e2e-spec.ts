import * as fs from 'node:fs';
import * as path from 'node:path';
import { Page } from 'playwright-core';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { sha256 } from './fixtures/plugins/good/secret_holder';
import { ConsoleBrowser, requireBuiltConsole, UUID } from './helpers/console-browser';
import { TestApp } from './helpers/test-app';

// The page's own globals, for the functions run in it: the server's tsconfig has no DOM types. (Functions, not strings:
// a string would be evaluated with eval, which the console's CSP forbids.)
declare const document: any;
declare const sessionStorage: any;


/**
 * The built console (dist/web) in headless Chromium against the real server on loopback: the first steps of the
 * seed's use case 1 done through the console only, plus the layout, labels, secrets, conflicts and API keys.
 */
describe('Web console in a real browser (e2e)', () => {
  let app: TestApp;
  let ui: ConsoleBrowser;
  let page: Page;
  const ids: Record<string, string> = {};

  const instance = async (id: string) => (await app.get(`/api/plugins/instances/${id}`)).body;
  const apiRequests = (since: number) => ui.apiRequests(since);

  /** Fills the generated form of a new table_loader instance (the page is on it). */
  async function fillTableLoader(name: string, file: string, table: string) {
    await page.locator('#root_name').fill(name);
    await page.locator('#root_config_file_path').fill(file);
    await page.locator('#root_config_table_name').fill(table);
  }

  async function createFromTemplates(): Promise<void> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('link', { name: 'Create instance of Table Loader' }).click();
    await page.locator('#root_name').waitFor();
  }

  async function submitAndOpen(button: string): Promise<string> {
    await page.getByRole('button', { name: button }).click();
    await page.waitForURL(new RegExp(`/instances/${UUID}$`), { timeout: 10_000 });
    return new URL(page.url()).pathname.split('/').pop()!;
  }

  const screenshot = (name: string) => ui.screenshot(name);

  beforeAll(async () => {
    requireBuiltConsole();
    app = await TestApp.start();
    // The README's sample files, where relative import paths resolve (under DATA_DIR).
    fs.cpSync(path.resolve(__dirname, '..', 'examples'), path.join(app.dataDir, 'examples'), { recursive: true });
    ui = await ConsoleBrowser.open(app.baseUrl);
    page = ui.page;
    await page.goto(`${app.baseUrl}/`);
    await page.getByRole('heading', { name: 'Instances', level: 1 }).waitFor({ timeout: 20_000 });
  }, 180_000);

  afterAll(async () => {
    await ui?.close();
    await app?.close();
    app?.removeData();
  });

  it('opens on the instances list, which says how to create the first one', async () => {
    expect(new URL(page.url()).pathname).toBe('/instances');
    expect(await page.title()).toBe('Instances · Plugin Instance Framework');
    await page.getByText('No instances yet').waitFor();
    expect(await page.getByRole('link', { name: 'Pick a template' }).getAttribute('href')).toBe('/templates');
    await screenshot('empty-1280');
  });

  it('lists the templates by category, each with "Create instance"', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('heading', { name: 'Table Loader' }).waitFor();
    const categories = await page.locator('.template-category h2').allTextContents();
    expect(categories).toEqual(['Data import', 'File import', 'API fetch', 'Transform', 'Export']);
    for (const name of ['Table Loader', 'JSON File Importer', 'API Fetcher', 'SQL Transformer', 'Exporter']) {
      expect(await page.getByRole('link', { name: `Create instance of ${name}` }).count()).toBe(1);
    }
    await screenshot('templates-1280');
  });

  it('creates three table_loader instances through the generated form, one after a validation error shown on its field', async () => {
    // 1. Lab equipment: a table name the schema refuses, shown on that field and blocking the save, then fixed.
    await createFromTemplates();
    await fillTableLoader('Lab equipment', 'examples/equipment.csv', '2024 equipment');
    const tableError = page.locator('#root_config_table_name__error');
    await tableError.getByText('must match pattern').waitFor({ timeout: 5_000 });
    expect(await page.locator('#root_config_file_path__error').count()).toBe(0);
    await page.getByRole('button', { name: 'Create instance' }).click();
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toContain('Table name: must match pattern');
    expect(new URL(page.url()).pathname).toBe('/instances/new');
    expect((await app.get('/api/plugins/instances')).body.items).toEqual([]);
    await screenshot('form-error-1280');
    // The summary's link takes the keyboard to the field.
    await summary.getByRole('link', { name: 'Table name' }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('root_config_table_name');
    await page.locator('#root_config_table_name').fill('lab_equipment');
    await tableError.waitFor({ state: 'detached' });
    await page.getByText('The server accepts this config.').waitFor();
    ids.equipment = await submitAndOpen('Create instance');
    await page.getByText('Created “Lab equipment”.').waitFor();

    // 2. PI directory: an Excel sheet, by name, among the optional settings.
    await createFromTemplates();
    await fillTableLoader('PI directory', 'examples/pi_directory.xlsx', 'lab_pis');
    await page.getByText('More settings').click();
    expect(await page.locator('#root_config_sheet__oneof_select option:checked').textContent()).toBe('Sheet name');
    await page.locator('#root_config_sheet').fill('Directory');
    ids.pis = await submitAndOpen('Create instance');

    // 3. Lab bookings: a TSV file.
    await createFromTemplates();
    await fillTableLoader('Lab bookings', 'examples/lab_resources_q1.tsv', 'lab_bookings');
    ids.bookings = await submitAndOpen('Create instance');

    // Stored as typed: the defaults the form showed and nobody changed are not written into the configs.
    expect((await instance(ids.equipment)).config).toEqual({ file_path: 'examples/equipment.csv', table_name: 'lab_equipment' });
    expect((await instance(ids.pis)).config).toEqual({ file_path: 'examples/pi_directory.xlsx', table_name: 'lab_pis', sheet: 'Directory' });
    expect((await instance(ids.bookings)).config).toEqual({ file_path: 'examples/lab_resources_q1.tsv', table_name: 'lab_bookings' });
  }, 60_000);

  it('lists, searches and filters the instances', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instances' }).click();
    const names = () => page.locator('.instances-table tbody th').allTextContents();
    await page.locator('.instances-table').waitFor();
    expect(await names()).toEqual(['Lab bookings', 'PI directory', 'Lab equipment']);
    await page.getByLabel('Search by name').fill('pi dir');
    await page.waitForURL(/q=pi\+dir|q=pi%20dir/);
    await page.waitForFunction(() => document.querySelectorAll('.instances-table tbody tr').length === 1);
    expect(await names()).toEqual(['PI directory']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.instances-table tbody tr').length === 3);
    await page.getByLabel('Status').selectOption('active');
    await page.getByText('No instance matches these filters').waitFor();
    await page.getByLabel('Status').selectOption('pending');
    await page.waitForFunction(() => document.querySelectorAll('.instances-table tbody tr').length === 3);
    expect(await page.locator('.instances-table .badge').allTextContents()).toEqual(['Pending', 'Pending', 'Pending']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  it('runs an instance and follows its progress over SSE to the end; the run shows in the history as succeeded', async () => {
    await page.locator('.instances-table').getByRole('link', { name: 'Lab equipment' }).click();
    await page.getByRole('heading', { name: /Lab equipment/, level: 1 }).waitFor();
    const before = ui.requests.length;
    await page.getByRole('button', { name: 'Run now' }).click();
    const panel = page.locator('.run-panel');
    await panel.locator('.status-succeeded').waitFor({ timeout: 15_000 });
    expect(await panel.locator('progress').getAttribute('value')).toBe('100');
    expect(await panel.textContent()).toContain('8 rows imported into lab_equipment');
    const execute = apiRequests(before).find((request) => request.method() === 'POST' && request.url().endsWith(`/instances/${ids.equipment}/execute`))!;
    expect(execute.headers()['prefer']).toBe('respond-async');
    expect(apiRequests(before).some((request) => /\/executions\/[^/]+\/events$/.test(request.url()))).toBe(true);

    const history = page.locator('.history-table tbody tr');
    await page.waitForFunction(() => document.querySelector('.history-table tbody tr .status-succeeded') !== null);
    expect(await history.count()).toBe(1);
    expect((await history.first().locator('td').allTextContents()).slice(0, 2)).toEqual(['Succeeded', 'Manual']);
    expect(await page.locator('h1 .badge').textContent()).toBe('Active');
    await screenshot('instance-1280');

    // Nothing polls: once the run is over the page sends no request by itself.
    const idle = ui.requests.length;
    await page.waitForTimeout(2_500);
    expect(apiRequests(idle).map((request) => request.url())).toEqual([]);

    // The run's own page: its result and its log.
    await page.getByRole('link', { name: 'Details and log of this run' }).click();
    await page.getByRole('heading', { name: 'Run of Lab equipment' }).waitFor();
    await page.getByRole('heading', { name: 'Log' }).waitFor();
    expect(await page.locator('.code-block').textContent()).toContain('"rows_imported": 8');
    await page.locator('.log-table, .empty-state').first().waitFor();
    await screenshot('run-1280');
  }, 60_000);

  it('edits a config and saves it with If-Match; the instance shows its new version', async () => {
    await page.goto(`${app.baseUrl}/instances/${ids.equipment}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit Lab equipment' }).waitFor();
    const etag = (await app.get(`/api/plugins/instances/${ids.equipment}`)).headers.get('etag');
    await page.getByText('More settings').click();
    await page.getByLabel('Write mode').selectOption('append');
    const before = ui.requests.length;
    await page.getByText('The server accepts this config.').waitFor();
    await submitAndOpen('Save changes');
    const put = apiRequests(before).find((request) => request.method() === 'PUT')!;
    expect(put.headers()['if-match']).toBe(etag);
    expect(put.postDataJSON()).toEqual({ name: 'Lab equipment', enabled: true, config: { file_path: 'examples/equipment.csv', table_name: 'lab_equipment', mode: 'append' } });
    await page.getByText('Saved. “Lab equipment” is now at version 2.').waitFor();
    expect(await page.locator('.lead').first().textContent()).toContain('version 2');
    expect((await instance(ids.equipment)).config.mode).toBe('append');
  }, 30_000);

  it('explains an If-Match conflict when someone else saved the instance meanwhile, and reloads their version', async () => {
    await page.goto(`${app.baseUrl}/instances/${ids.bookings}/edit`);
    await page.getByRole('heading', { name: 'Edit Lab bookings' }).waitFor();
    // Someone else renames it through the API while the form is open.
    expect((await app.put(`/api/plugins/instances/${ids.bookings}`, { name: 'Lab bookings (Q1)' })).status).toBe(200);
    await page.locator('#root_config_table_name').fill('lab_bookings_q1');
    await page.getByText('The server accepts this config.').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone else changed this instance' });
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('It is now at version 2');
    await screenshot('conflict-1280');
    expect((await instance(ids.bookings)).config.table_name).toBe('lab_bookings');
    await conflict.getByRole('button', { name: 'Reload the current version' }).click();
    await page.getByRole('heading', { name: 'Edit Lab bookings (Q1)' }).waitFor();
    expect(await page.locator('#root_name').inputValue()).toBe('Lab bookings (Q1)');
    expect(await page.locator('#root_config_table_name').inputValue()).toBe('lab_bookings');
  }, 30_000);

  it('keeps, replaces and clears secrets without ever sending the mask back', async () => {
    const created = await app.post('/api/plugins/instances', {
      template_id: 'fixture_secret_holder',
      name: 'Secret holder',
      config: { endpoint: 'https://example.org', auth: { user: 'robot', token: 'tok-first' }, spare: 'spare-key' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await page.goto(`${app.baseUrl}/instances/${id}/edit`);
    await page.getByRole('heading', { name: 'Edit Secret holder' }).waitFor();
    // Stored secrets show as a choice, never as their value or the mask.
    expect(await page.locator('#root_config_auth_token').inputValue()).toBe('keep');
    expect(await page.locator('#root_config_spare option').allTextContents()).toEqual(['Keep the stored secret', 'Replace it with a new value', 'Clear it']);
    expect(await page.locator('input[value="********"]').count()).toBe(0);

    // Keep both, change another field.
    await page.locator('#root_config_endpoint').fill('https://example.org/v2');
    await page.getByText('The server accepts this config.').waitFor();
    let before = ui.requests.length;
    await submitAndOpen('Save changes');
    const kept = apiRequests(before).find((request) => request.method() === 'PUT')!;
    expect(kept.postData()).not.toContain('********');
    expect(kept.postDataJSON().config).toEqual({ endpoint: 'https://example.org/v2', auth: { user: 'robot' } });
    expect((await instance(id)).secret_fields).toEqual(['auth.token', 'spare']);

    // Replace the token, clear the spare one.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.locator('#root_config_auth_token').selectOption('replace');
    await page.getByLabel('New value').fill('tok-second');
    await page.locator('#root_config_spare').selectOption('clear');
    await page.getByText('The server accepts this config.').waitFor();
    before = ui.requests.length;
    await submitAndOpen('Save changes');
    const replaced = apiRequests(before).find((request) => request.method() === 'PUT')!;
    expect(replaced.postDataJSON().config).toEqual({ endpoint: 'https://example.org/v2', auth: { user: 'robot', token: 'tok-second' }, spare: null });
    expect((await instance(id)).secret_fields).toEqual(['auth.token']);
    const run = await app.post(`/api/plugins/instances/${id}/execute`);
    expect(run.body.result.token_sha256).toBe(sha256('tok-second'));
  }, 30_000);

  it('validates an edit against the stored instance, clears a string-typed secret, and offers no "clear" for a required one', async () => {
    // api_fetcher's bearer token is required: kept (left out), validate must not call it missing.
    const fetcher = await app.post('/api/plugins/instances', { template_id: 'api_fetcher', name: 'Fetcher with token', config: { url: 'https://api.example.org/v1/items', auth: { type: 'bearer', token: 'tok-console-7' } } });
    expect(fetcher.status).toBe(201);
    await page.goto(`${app.baseUrl}/instances/${fetcher.body.id}/edit`);
    await page.getByRole('heading', { name: 'Edit Fetcher with token' }).waitFor();
    expect(await page.locator('#root_config_auth_token option').allTextContents()).toEqual(['Keep the stored secret', 'Replace it with a new value']);
    // The form's first check already says "accepts": wait for the check of the edited config itself.
    const edited = page.waitForRequest((request) => new URL(request.url()).pathname.endsWith('/validate') && request.postDataJSON()?.config?.url === 'https://api.example.org/v2/items');
    await page.locator('#root_config_url').fill('https://api.example.org/v2/items');
    const check = await edited;
    await page.getByText('The server accepts this config.').waitFor();
    expect(check.postDataJSON()).toMatchObject({ instance_id: fetcher.body.id, config: { url: 'https://api.example.org/v2/items', auth: { type: 'bearer' } } });
    await submitAndOpen('Save changes');
    expect(await instance(fetcher.body.id)).toMatchObject({ version: 2, secret_fields: ['auth.token'] });

    // fixture_secret_holder's auth.token is {type: "string"}: null would fail its schema, yet "Clear it" works.
    const holder = await app.post('/api/plugins/instances', { template_id: 'fixture_secret_holder', name: 'String secret', config: { endpoint: 'https://example.org', auth: { user: 'robot', token: 'tok-clear-me' } } });
    await page.goto(`${app.baseUrl}/instances/${holder.body.id}/edit`);
    await page.getByRole('heading', { name: 'Edit String secret' }).waitFor();
    await page.locator('#root_config_auth_token').selectOption('clear');
    await page.getByText('The server accepts this config.').waitFor();
    const before = ui.requests.length;
    await submitAndOpen('Save changes');
    const cleared = apiRequests(before).find((request) => request.method() === 'PUT')!;
    expect(cleared.postDataJSON().config).toEqual({ endpoint: 'https://example.org', auth: { user: 'robot', token: null } });
    expect(await instance(holder.body.id)).toMatchObject({ config: { endpoint: 'https://example.org', auth: { user: 'robot' } }, secret_fields: [] });
  }, 30_000);

  it('pages the instance list with "Load more"', async () => {
    for (let i = 0; i < 50; i += 1) {
      expect((await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: `Bulk ${String(i).padStart(2, '0')}`, config: { mode: 'ok' } })).status).toBe(201);
    }
    const total = (await app.get('/api/plugins/instances/stats')).body.total as number;
    expect(total).toBeGreaterThan(50);
    await page.goto(`${app.baseUrl}/instances`);
    const rows = page.locator('.instances-table tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('.instances-table tbody tr').length === 50);
    await page.getByRole('button', { name: 'Load 50 more' }).click();
    await page.waitForFunction((count) => document.querySelectorAll('.instances-table tbody tr').length === count, total);
    expect(await rows.last().locator('th').textContent()).toBe('Lab equipment');
    expect(await page.getByRole('button', { name: 'Load 50 more' }).count()).toBe(0);
  }, 30_000);

  it('pages the run history with "Load older runs", 20 at a time', async () => {
    const [bulk] = (await app.get('/api/plugins/instances?q=Bulk%2000')).body.items as Array<{ id: string }>;
    for (let i = 0; i < 22; i += 1) expect((await app.post(`/api/plugins/instances/${bulk.id}/execute`)).body.status).toBe('succeeded');
    const runs = (await app.get(`/api/plugins/instances/${bulk.id}/executions?limit=500`)).body.items as Array<{ id: string }>;
    expect(runs).toHaveLength(22);
    const before = ui.requests.length;
    await page.goto(`${app.baseUrl}/instances/${bulk.id}`);
    await page.waitForFunction(() => document.querySelectorAll('.history-table tbody tr').length === 20);
    const older = page.getByRole('button', { name: 'Load older runs' });
    await older.click();
    await page.waitForFunction(() => document.querySelectorAll('.history-table tbody tr').length === 22);
    expect(await older.count()).toBe(0);
    // Newest first across both pages, each run once: the links name the runs in the API's order.
    const links = await page.locator('.history-table tbody th a').evaluateAll((anchors: any[]) => anchors.map((anchor) => anchor.getAttribute('href').split('/').pop()));
    expect(links).toEqual(runs.map((run) => run.id));
    const asked = apiRequests(before)
      .filter((request) => new URL(request.url()).pathname.endsWith('/executions'))
      .map((request) => Object.fromEntries(new URL(request.url()).searchParams));
    expect(asked).toEqual([{ limit: '20' }, { limit: '20', cursor: expect.any(String) }]);
  }, 30_000);

  it('says how many of the matching instances it shows, with the total the API counts (include_total)', async () => {
    const total = (await app.get('/api/plugins/instances/stats')).body.total as number;
    expect(total).toBeGreaterThan(50);
    let before = ui.requests.length;
    await page.goto(`${app.baseUrl}/instances`);
    await page.waitForFunction(() => document.querySelectorAll('.instances-table tbody tr').length === 50);
    const footer = page.locator('.list-footer [role=status]');
    expect(await footer.textContent()).toBe(`50 of ${total} instances shown.`);
    expect(apiRequests(before).filter((request) => new URL(request.url()).pathname === '/api/plugins/instances').map((request) => new URL(request.url()).searchParams.get('include_total'))).toEqual(['true']);
    // Filtered: the total of the matches (Bulk 10 to Bulk 19), all on one page.
    before = ui.requests.length;
    await page.goto(`${app.baseUrl}/instances?q=${encodeURIComponent('bulk 1')}`);
    await page.waitForFunction(() => document.querySelectorAll('.instances-table tbody tr').length === 10);
    expect(await footer.textContent()).toBe('10 instances shown.');
    await page.getByRole('button', { name: 'Load 50 more' }).waitFor({ state: 'detached' });
    expect(apiRequests(before).length).toBeGreaterThan(0);
  }, 30_000);

  describe('at 390 px wide, and for every control', () => {
    const pages = () => [
      { name: 'instances', path: '/instances', ready: '.instances-table' },
      { name: 'templates', path: '/templates', ready: '.card' },
      { name: 'form', path: '/instances/new?template=table_loader', ready: '#root_config_table_name', open: 'More settings' },
      { name: 'form-api-fetcher', path: '/instances/new?template=api_fetcher', ready: '#root_config_url', open: 'More settings' },
      { name: 'instance', path: `/instances/${ids.equipment}`, ready: '.history-table' },
      { name: 'edit', path: `/instances/${ids.pis}/edit`, ready: '#root_config_sheet' },
    ];

    /** The controls no label, aria-label or aria-labelledby names. */
    const unlabelled = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea')]
          .filter((control: any) => control.type !== 'hidden' && control.labels.length === 0 && !control.getAttribute('aria-label') && !control.getAttribute('aria-labelledby'))
          .map((control: any) => control.outerHTML.slice(0, 120) as string),
      );

    /** Links and buttons with no text or aria-label: nothing for a screen reader to say. */
    const nameless = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('a, button')].filter((element: any) => !element.textContent.trim() && !element.getAttribute('aria-label')).map((element: any) => element.outerHTML.slice(0, 120) as string),
      );

    it('gives every input, select and text area an accessible label, and every link and button a name', async () => {
      for (const { path: route, ready, open } of pages()) {
        await page.goto(`${app.baseUrl}${route}`);
        await page.locator(ready).first().waitFor();
        if (open) await page.getByText(open).click();
        expect({ route, unlabelled: await unlabelled() }).toEqual({ route, unlabelled: [] });
        expect({ route, nameless: await nameless() }).toEqual({ route, nameless: [] });
        expect(await page.locator('main h1').count()).toBe(1);
        expect(await page.locator('header nav[aria-label="Main"]').count()).toBe(1);
      }
    }, 60_000);

    it('renders without horizontal scrolling', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        for (const { name, path: route, ready, open } of pages()) {
          await page.goto(`${app.baseUrl}${route}`);
          await page.locator(ready).first().waitFor();
          if (open) await page.getByText(open).click();
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          expect({ route, width }).toEqual({ route, width: 390 });
          await screenshot(`${name}-390`);
        }
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    }, 60_000);
  });

  it('asks for an API key once the server requires one, and works with the key from the box', async () => {
    // The first key switches the server from "loopback needs none" to "every request needs a key".
    const { token } = await app.app.get(ApiKeysService).create({ name: 'console', scopes: ['admin'], expiresAt: null });
    await page.goto(`${app.baseUrl}/instances`);
    const alert = page.getByRole('alert').filter({ hasText: 'API key' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('enter one in the API key box');
    await alert.getByRole('button', { name: 'Enter an API key' }).click();
    await page.getByLabel('API key', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.locator('.instances-table').waitFor();
    expect(await page.getByRole('button', { name: 'API key set' }).count()).toBe(1);
    // Kept for this tab only.
    expect(await page.evaluate(() => sessionStorage.getItem('pif.apiKey'))).toBe(token);
    const sent = ui.requests.filter((request) => request.url().includes('/api/plugins/instances?')).pop()!;
    expect(sent.headers()['authorization']).toBe(`Bearer ${token}`);
  }, 30_000);

  it('sent nothing off 127.0.0.1 and met no CSP violation or script error', () => {
    expect(ui.offOrigin).toEqual([]);
    expect(ui.cspViolations).toEqual([]);
    expect(ui.pageErrors).toEqual([]);
  });
});
