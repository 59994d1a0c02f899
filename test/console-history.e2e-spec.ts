import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Page } from 'playwright-core';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { ConsoleBrowser, requireBuiltConsole, UUID } from './helpers/console-browser';
import { NotificationReceiver } from './helpers/notification-receiver';
import { FIXTURE_ROOTS, TestApp } from './helpers/test-app';

// The page's own globals, for the functions run in it (the server's tsconfig has no DOM types; functions, not
// strings, which the console's CSP would refuse to eval).
declare const document: any;
declare const sessionStorage: any;


/**
 * The built console (dist/web) in headless Chromium against the real server on loopback, for the seed's use case 1
 * steps 3 and 4 (the imported table's rows; edit, the new version and its diff, rollback) and the pages around them:
 * notification channels with a test send to a receiver on 127.0.0.1 and the delivery log, plugin load errors and
 * provisioning.
 */
describe('Web console: history, data, notifications, provisioning (e2e)', () => {
  let app: TestApp;
  let ui: ConsoleBrowser;
  let page: Page;
  let receiver: NotificationReceiver;
  let provisioningDir: string;
  const ids: Record<string, string> = {};

  const instance = async (id: string) => (await app.get(`/api/plugins/instances/${id}`)).body;
  const apiRequests = (since: number) => ui.apiRequests(since);
  const nav = (name: string) => ui.nav(name);

  const screenshot = (name: string) => ui.screenshot(name);

  beforeAll(async () => {
    requireBuiltConsole();
    receiver = await new NotificationReceiver().start();
    provisioningDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-console-provisioning-'));
    fs.writeFileSync(
      path.join(provisioningDir, 'lab.yaml'),
      'instances:\n  - name: Provisioned bookings\n    template_id: table_loader\n    config: { file_path: examples/lab_resources_q1.tsv, table_name: provisioned_bookings }\n',
    );
    app = await TestApp.start({
      pluginRoots: [FIXTURE_ROOTS.good, FIXTURE_ROOTS.broken],
      // The webhook receiver is on loopback, which the outbound guard refuses unless allowed.
      env: { FETCH_ALLOW_HOSTS: '127.0.0.1', PROVISIONING_PATH: provisioningDir },
    });
    fs.cpSync(path.resolve(__dirname, '..', 'examples'), path.join(app.dataDir, 'examples'), { recursive: true });
    // A table of 120 rows: more than one page of the rows view.
    fs.writeFileSync(path.join(app.dataDir, 'examples', 'readings.csv'), ['sensor,reading,note', ...Array.from({ length: 120 }, (_, i) => `S-${String(i + 1).padStart(3, '0')},${(i * 0.5).toFixed(1)},${i % 7 === 0 ? '' : 'ok'}`)].join('\n'));
    ui = await ConsoleBrowser.open(app.baseUrl);
    page = ui.page;

    const created = await app.post('/api/plugins/instances', { template_id: 'table_loader', name: 'Lab equipment', config: { file_path: 'examples/equipment.csv', table_name: 'lab_equipment' } });
    expect(created.status).toBe(201);
    ids.equipment = created.body.id;
    const readings = await app.post('/api/plugins/instances', { template_id: 'table_loader', name: 'Sensor readings', config: { file_path: 'examples/readings.csv', table_name: 'sensor_readings' } });
    expect((await app.post(`/api/plugins/instances/${readings.body.id}/execute`)).body.status).toBe('succeeded');
    ids.provisioned = (await app.get('/api/plugins/instances?q=Provisioned')).body.items[0].id;

    await page.goto(`${app.baseUrl}/instances/${ids.equipment}`);
    await page.getByRole('heading', { name: /Lab equipment/, level: 1 }).waitFor({ timeout: 20_000 });
  }, 180_000);

  afterAll(async () => {
    await ui?.close();
    await app?.close();
    await receiver?.stop();
    app?.removeData();
    if (provisioningDir) fs.rmSync(provisioningDir, { recursive: true, force: true });
  });

  it('runs a table_loader instance and opens its imported table’s rows, column headers with their types', async () => {
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.locator('.run-panel .status-succeeded').waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'lab_equipment', exact: true }).click();
    await page.getByRole('heading', { name: 'lab_equipment', level: 1 }).waitFor();
    await page.locator('.rows-table tbody tr').first().waitFor();
    expect(await page.locator('.rows-table tbody tr').count()).toBe(8);
    const headers = await page.locator('.rows-table thead th').allTextContents();
    expect(headers[0]).toBe('#');
    expect(headers.slice(1).every((text) => /(TEXT|INTEGER|REAL)$/.test(text))).toBe(true);
    expect(await page.locator('.lead').textContent()).toContain('8 rows');
    expect(await page.getByRole('button', { name: /Load 50 more rows/ }).count()).toBe(0);
    await screenshot('table-1280');
  }, 60_000);

  it('lists the tables with columns and row counts, and pages a long table with "Load more"', async () => {
    await nav('Data').click();
    await page.getByRole('heading', { name: 'Data tables', level: 1 }).waitFor();
    await page.locator('.tables-table').waitFor();
    const names = await page.locator('.tables-table tbody th').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['lab_equipment', 'sensor_readings']));
    const row = page.locator('.tables-table tbody tr', { hasText: 'sensor_readings' });
    expect(await row.locator('td[data-label="Rows"]').textContent()).toBe('120');
    expect(await row.locator('.column-list li').allTextContents()).toEqual(['sensor TEXT', 'reading REAL', 'note TEXT']);
    await screenshot('data-1280');
    await row.getByRole('link', { name: 'sensor_readings' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.rows-table tbody tr').length === 50);
    await page.getByRole('button', { name: 'Load 50 more rows' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.rows-table tbody tr').length === 100);
    await page.getByRole('button', { name: 'Load 50 more rows' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.rows-table tbody tr').length === 120);
    expect(await page.getByRole('button', { name: /Load 50 more rows/ }).count()).toBe(0);
    expect(await page.locator('.rows-table tbody tr').last().locator('td').allTextContents()).toEqual(['120', 'S-120', '59.5', 'null']);
    expect(await page.locator('.rows-table tbody tr').nth(1).locator('td').allTextContents()).toEqual(['2', 'S-002', '0.5', 'ok']);
  }, 60_000);

  it('edits a config, shows the new version and its diff, rolls back with If-Match, and shows the rollback as a new version', async () => {
    await page.goto(`${app.baseUrl}/instances/${ids.equipment}/edit`);
    await page.getByRole('heading', { name: 'Edit Lab equipment' }).waitFor();
    await page.locator('#root_config_table_name').fill('lab_equipment_2025');
    await page.getByText('More settings').click();
    await page.getByLabel('Write mode').selectOption('append');
    await page.getByText('The server accepts this config.').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/instances/${UUID}$`));
    await page.getByText('is now at version 2').waitFor();

    const versions = page.locator('.versions-table tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('.versions-table tbody tr').length === 2);
    expect(await versions.first().locator('th').textContent()).toContain('Version 2');
    expect(await versions.first().locator('td').allTextContents()).toEqual(expect.arrayContaining(['Edited', 'loopback']));
    expect(await versions.last().locator('td').first().textContent()).toBe('Created');
    await screenshot('instance-versions-1280');

    // What version 2 changed: one line per field, old → new.
    await versions.first().getByRole('link', { name: 'What changed in version 2' }).click();
    await page.getByRole('heading', { name: 'What changed from version 1 to version 2' }).waitFor();
    const lines = page.locator('.diff-list li');
    await lines.first().waitFor();
    expect(await lines.allTextContents()).toEqual(['Changed config.table_name was "lab_equipment" → now "lab_equipment_2025"', 'Added config.mode now "append"']);
    expect(await page.locator('.diff-list .diff-changed del').textContent()).toBe('was "lab_equipment"');
    await screenshot('version-diff-1280');

    // Version 1's own page: compared with the current version, and rolled back to.
    await page.goto(`${app.baseUrl}/instances/${ids.equipment}/versions/1`);
    await page.getByRole('heading', { name: 'What changed from version 1 to version 2' }).waitFor();
    expect(await page.getByLabel('Compare version 1 with').inputValue()).toBe('2');
    await page.getByRole('button', { name: 'Roll back to this version' }).click();
    const confirm = page.getByRole('alertdialog');
    expect(await confirm.textContent()).toContain('as a new version 3');
    const before = ui.requests.length;
    await confirm.getByRole('button', { name: 'Roll back to version 1' }).click();
    await page.waitForURL(new RegExp(`/instances/${ids.equipment}$`));
    await page.getByText('Rolled back: version 3 has the content of version 1.').waitFor();
    const post = apiRequests(before).find((request) => request.method() === 'POST' && request.url().endsWith('/rollback'))!;
    expect(post.headers()['if-match']).toBe('"2"');
    expect(post.postDataJSON()).toEqual({ version: 1 });
    expect((await instance(ids.equipment)).config).toEqual({ file_path: 'examples/equipment.csv', table_name: 'lab_equipment' });
    await page.waitForFunction(() => document.querySelectorAll('.versions-table tbody tr').length === 3);
    expect(await versions.first().locator('th').textContent()).toContain('Version 3');
    // The version says which one it restored (restored_from).
    expect(await versions.first().locator('td').first().textContent()).toBe('Rolled back to v1');
    await screenshot('instance-rollback-1280');
  }, 60_000);

  it('explains a rollback refused because the instance changed meanwhile (412), and one of a provisioned instance', async () => {
    await page.goto(`${app.baseUrl}/instances/${ids.equipment}/versions/2`);
    await page.getByRole('button', { name: 'Roll back to this version' }).waitFor();
    expect((await app.put(`/api/plugins/instances/${ids.equipment}`, { name: 'Lab equipment (main)' })).status).toBe(200);
    await page.getByRole('button', { name: 'Roll back to this version' }).click();
    await page.getByRole('button', { name: 'Roll back to version 2' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'someone changed this instance' });
    await alert.waitFor();
    expect((await instance(ids.equipment)).version).toBe(4);
    // The 412's current_etag names the version the instance is at now.
    expect(await alert.textContent()).toContain('The instance is now at version 4.');
    await screenshot('version-conflict-1280');
    await alert.getByRole('button', { name: 'Reload the instance' }).click();
    await page.getByText('the instance is now at version 4').waitFor();

    // A provisioned instance says where it comes from, on its page and its versions' pages, and offers no rollback.
    await page.goto(`${app.baseUrl}/instances/${ids.provisioned}`);
    await page.getByText('is declared in the provisioning file').waitFor();
    expect(await page.getByRole('link', { name: 'reload provisioning' }).getAttribute('href')).toBe('/provisioning');
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(1);
  }, 30_000);

  it('shows the provisioning report per file and reloads it', async () => {
    await nav('Provisioning').click();
    await page.getByRole('heading', { name: 'Provisioning', level: 1 }).waitFor();
    const file = page.locator('section', { has: page.getByRole('heading', { name: 'lab.yaml' }) });
    await file.waitFor();
    expect(await file.locator('.badge').textContent()).toBe('Applied');
    expect(await file.locator('tbody tr').allTextContents()).toEqual(['Provisioned bookingsCreated']);
    // A broken file: reloading applies nothing and says which file and where.
    fs.writeFileSync(path.join(provisioningDir, 'zz-broken.yaml'), 'instances:\n  - name: Broken\n    template_id: table_loader\n    confg: {}\n');
    await page.getByRole('button', { name: 'Reload the files' }).click();
    await page.getByText('Reloaded, but not applied').waitFor();
    const broken = page.locator('section', { has: page.getByRole('heading', { name: 'zz-broken.yaml' }) });
    expect(await broken.locator('.badge').textContent()).toBe('Invalid');
    expect(await broken.locator('.error-text').textContent()).toContain('/instances/0');
    await screenshot('provisioning-1280');
    fs.rmSync(path.join(provisioningDir, 'zz-broken.yaml'));
    await page.getByRole('button', { name: 'Reload the files' }).click();
    await page.getByText('Reloaded: every file was applied.').waitFor();
    expect(await file.locator('tbody tr').allTextContents()).toEqual(['Provisioned bookingsUnchanged']);
  }, 30_000);

  it('lists the plugins that failed to load, from the templates page', async () => {
    await nav('Templates').click();
    await page.getByRole('link', { name: 'plugins that failed to load' }).click();
    await page.getByRole('heading', { name: 'Plugin load errors', level: 1 }).waitFor();
    await page.locator('.problem-list li').first().waitFor();
    const sources = await page.locator('.problem-list .problem-source').allTextContents();
    expect(sources.some((source) => source.includes('throws_on_import'))).toBe(true);
    await screenshot('load-errors-1280');
  });

  it('creates a webhook channel to a receiver on 127.0.0.1 (field errors on their fields first), test-sends, and shows the delivery in the log', async () => {
    await nav('Notifications').click();
    await page.getByText('No channels yet').waitFor();
    await page.getByRole('link', { name: 'New channel' }).click();
    await page.getByRole('heading', { name: 'New notification channel' }).waitFor();

    // An email channel whose third recipient is not an address: the server's error lands on that input.
    await page.getByLabel('Name').fill('lab-admins');
    await page.getByRole('radio', { name: 'Email' }).check();
    await page.getByRole('textbox', { name: /^SMTP server/ }).fill('smtp.example.org');
    await page.getByRole('textbox', { name: /^From/ }).fill('pif@example.org');
    await page.getByLabel('Recipient 1').fill('a@example.org');
    await page.getByRole('button', { name: 'Add a recipient' }).click();
    await page.getByLabel('Recipient 2').fill('b@example.org');
    await page.getByRole('button', { name: 'Add a recipient' }).click();
    await page.getByLabel('Recipient 3').fill('not an address');
    await page.getByRole('button', { name: 'Create channel' }).click();
    const toError = page.locator('#channel-config-to-2__error');
    await toError.waitFor();
    expect(await toError.textContent()).toContain('must be one email address');
    expect(await page.locator('#channel-config-to-2').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#channel-config-to-1__error').count()).toBe(0);
    await page.locator('.error-summary').getByRole('link', { name: 'Recipient 3' }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('channel-config-to-2');
    await screenshot('channel-error-1280');
    expect((await app.get('/api/notifications/channels')).body.items).toEqual([]);

    // Then a webhook to the receiver, its secret generated by the server and shown once.
    await page.getByRole('radio', { name: 'Webhook' }).check();
    expect(await page.locator('#channel-config-to-2__error').count()).toBe(0);
    await page.getByLabel('Name').fill('lab-webhook');
    await page.getByLabel('URL').fill(`http://127.0.0.1:${receiver.port}/hook`);
    expect(await page.getByLabel('Signing secret').inputValue()).toBe('generate');
    await page.getByLabel(/Run succeeded/).check();
    const before = ui.requests.length;
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByText('Copy the signing secret now').waitFor();
    const secret = await page.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    const post = apiRequests(before).find((request) => request.method() === 'POST' && request.url().endsWith('/api/notifications/channels'))!;
    expect(post.postDataJSON()).toEqual({
      name: 'lab-webhook',
      type: 'webhook',
      config: { url: `http://127.0.0.1:${receiver.port}/hook` },
      events: ['execution.failed', 'execution.succeeded', 'execution.recovered'],
      failure_threshold: 1,
      group_window_seconds: 300,
      enabled: true,
    });
    await screenshot('channel-secret-1280');
    await page.getByRole('link', { name: 'I have copied it: open the channel' }).click();
    await page.getByRole('heading', { name: 'lab-webhook', level: 1 }).waitFor();
    ids.channel = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByText('Nothing sent yet').waitFor();

    await page.getByRole('button', { name: 'Send a test' }).click();
    await page.getByText('Test delivered').waitFor();
    expect(receiver.at('/hook')).toHaveLength(1);
    expect(JSON.parse(receiver.at('/hook')[0].body).type).toBe('notification.test');
    const log = page.locator('.deliveries-table tbody tr');
    await log.first().waitFor();
    expect(await log.count()).toBe(1);
    expect(await log.first().locator('td').allTextContents()).toEqual(['Test', 'Delivered', '200', '—', 'Test']);
    await screenshot('channel-1280');
  }, 60_000);

  it('edits a channel with PATCH, keeping its secret without sending the mask, and shows a real run’s delivery', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit lab-webhook' }).waitFor();
    expect(await page.getByLabel('Signing secret').inputValue()).toBe('keep');
    await page.getByLabel('Group repeats within (seconds)').fill('0');
    const before = ui.requests.length;
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved “lab-webhook”.').waitFor();
    const patch = apiRequests(before).find((request) => request.method() === 'PATCH')!;
    expect(patch.postData()).not.toContain('********');
    expect(patch.postDataJSON()).toMatchObject({ config: { url: `http://127.0.0.1:${receiver.port}/hook` }, group_window_seconds: 0, instance_ids: null, template_ids: null });
    expect(patch.postDataJSON().config).not.toHaveProperty('secret');

    // A run that succeeds is announced; the log shows it after a refresh.
    expect((await app.post(`/api/plugins/instances/${ids.equipment}/execute`)).body.status).toBe('succeeded');
    const deadline = Date.now() + 10_000;
    while (receiver.at('/hook').length < 2 && Date.now() < deadline) await page.waitForTimeout(100);
    expect(receiver.at('/hook')).toHaveLength(2);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.deliveries-table tbody tr').length === 2);
    expect(await page.locator('.deliveries-table tbody tr').first().locator('td').first().textContent()).toBe('Run succeeded');
  }, 30_000);

  it('pages the delivery log back by cursor with “Load older deliveries”, 20 at a time', async () => {
    // Two attempts so far (the test send, the run's delivery); 20 more test sends make 22: a page of 20 (the console's
    // page size) and 2 older ones.
    for (let i = 0; i < 20; i += 1) expect((await app.post(`/api/notifications/channels/${ids.channel}/test`)).body.delivered).toBe(true);
    const all = (await app.get(`/api/notifications/deliveries?channel_id=${ids.channel}&limit=500`)).body.items as Array<{ id: number }>;
    expect(all).toHaveLength(22);
    const rows = page.locator('.deliveries-table tbody tr');
    const before = ui.requests.length;
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.deliveries-table tbody tr').length === 20);
    const older = page.getByRole('button', { name: 'Load older deliveries' });
    await older.waitFor();
    await screenshot('channel-deliveries-1280');
    await older.click();
    await page.waitForFunction(() => document.querySelectorAll('.deliveries-table tbody tr').length === 22);
    expect(await older.count()).toBe(0);
    // The two oldest attempts at the end: the run's delivery, then the first test send.
    expect(await rows.nth(20).locator('td').first().textContent()).toBe('Run succeeded');
    expect(await rows.nth(21).locator('td').first().textContent()).toBe('Test');
    const asked = apiRequests(before)
      .filter((request) => new URL(request.url()).pathname === '/api/notifications/deliveries')
      .map((request) => Object.fromEntries(new URL(request.url()).searchParams));
    expect(asked).toEqual([
      { channel_id: ids.channel, limit: '20' },
      { channel_id: ids.channel, limit: '20', cursor: expect.any(String) },
    ]);
    // Refresh starts over from the newest page.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.deliveries-table tbody tr').length === 20);
    await older.waitFor();
  }, 60_000);

  describe('at 390 px wide, and for every control', () => {
    const pages = () => [
      { name: 'instance-versions', path: `/instances/${ids.equipment}`, ready: '.versions-table' },
      { name: 'version', path: `/instances/${ids.equipment}/versions/1`, ready: '.diff-list' },
      { name: 'data', path: '/data', ready: '.tables-table' },
      { name: 'table', path: '/data/lab_equipment', ready: '.rows-table' },
      { name: 'channels', path: '/notifications', ready: '.channels-table' },
      { name: 'channel', path: `/notifications/${ids.channel}`, ready: '.deliveries-table' },
      { name: 'channel-edit', path: `/notifications/${ids.channel}/edit`, ready: '#channel-name' },
      { name: 'channel-new', path: '/notifications/new', ready: '#channel-name' },
      { name: 'provisioning', path: '/provisioning', ready: '.badge' },
      { name: 'load-errors', path: '/templates/load-errors', ready: '.problem-list' },
    ];

    const unlabelled = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea')]
          .filter((control: any) => control.type !== 'hidden' && control.labels.length === 0 && !control.getAttribute('aria-label') && !control.getAttribute('aria-labelledby'))
          .map((control: any) => control.outerHTML.slice(0, 120) as string),
      );

    it('gives every input, select and text area an accessible label, and every page one h1', async () => {
      for (const { path: route, ready } of pages()) {
        await page.goto(`${app.baseUrl}${route}`);
        await page.locator(ready).first().waitFor();
        expect({ route, unlabelled: await unlabelled() }).toEqual({ route, unlabelled: [] });
        expect({ route, h1: await page.locator('main h1').count() }).toEqual({ route, h1: 1 });
      }
      // The email settings too.
      await page.goto(`${app.baseUrl}/notifications/new`);
      await page.getByRole('radio', { name: 'Email' }).check();
      await page.getByLabel('Log in (SMTP AUTH)').check();
      await page.getByText('Runs of any instance').click();
      expect(await unlabelled()).toEqual([]);
      await screenshot('channel-email-1280');
    }, 60_000);

    it('is operable from the keyboard: the rollback confirmation and the rows box', async () => {
      await page.goto(`${app.baseUrl}/instances/${ids.equipment}/versions/1`);
      const button = page.getByRole('button', { name: 'Roll back to this version' });
      await button.focus();
      await page.keyboard.press('Enter');
      // The confirm button takes the focus; Tab reaches Cancel, Enter closes the question.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Roll back to version 1');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      expect(await page.getByRole('alertdialog').count()).toBe(0);
      await page.goto(`${app.baseUrl}/data/sensor_readings`);
      await page.locator('.rows-table').waitFor();
      expect(await page.locator('.table-scroll').getAttribute('tabindex')).toBe('0');
    }, 30_000);

    it('renders without horizontal scrolling of the page (the rows table scrolls in its own box)', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        for (const { name, path: route, ready } of pages()) {
          await page.goto(`${app.baseUrl}${route}`);
          await page.locator(ready).first().waitFor();
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          expect({ route, width }).toEqual({ route, width: 390 });
          await screenshot(`${name}-390`);
          if (name === 'table') {
            // The equipment table is wider than a phone: its box scrolls, the page does not.
            const box = await page.evaluate(() => {
              const scroller = document.querySelector('.table-scroll');
              return { scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth };
            });
            expect(box.scrollWidth).toBeGreaterThan(box.clientWidth);
          }
        }
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    }, 90_000);
  });

  it('explains that changing a channel needs the admin scope (403)', async () => {
    const keys = app.app.get(ApiKeysService);
    await keys.create({ name: 'console-admin', scopes: ['admin'], expiresAt: null });
    const { token } = await keys.create({ name: 'console-reader', scopes: ['read'], expiresAt: null });
    await page.goto(`${app.baseUrl}/notifications`);
    await page.evaluate((key) => sessionStorage.setItem('pif.apiKey', key), token);
    await page.goto(`${app.baseUrl}/notifications/${ids.channel}`);
    await page.getByRole('heading', { name: 'lab-webhook', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Send a test' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Test not sent' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("with the 'admin' scope");
    await screenshot('channel-forbidden-1280');
  }, 30_000);

  it('sent nothing off 127.0.0.1 and met no CSP violation or script error', () => {
    expect(ui.offOrigin).toEqual([]);
    expect(ui.cspViolations).toEqual([]);
    expect(ui.pageErrors).toEqual([]);
  });
});
