import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConsoleBrowser } from './helpers/console-browser';

// The page's own globals, for the functions run in it (the server's tsconfig has no DOM types).
declare const document: any;
declare const getComputedStyle: any;
declare const window: any;
import { FIXTURE_ROOTS, TestApp } from './helpers/test-app';

/**
 * Every page of the console checked by axe-core against WCAG 2.1 A and AA (colour contrast, names, labels, landmarks,
 * ARIA) at 1280 and 390 px, each in the state a user meets it in: lists with rows, a run with its logs, a version's
 * diff, a form showing a server error, a channel with deliveries, the empty states of a fresh server, and the 404.
 */
describe('Web console accessibility: axe-core on every page (e2e)', () => {
  let app: TestApp;
  let fresh: TestApp;
  let browser: ConsoleBrowser;
  let provisioningDir: string;
  const ids: Record<string, string> = {};

  /** The pages, as [name, path, level-1 heading, what to wait for besides the heading]. */
  const pages = (): Array<[string, string, string | RegExp, string?]> => [
    ['instances', '/instances', 'Instances', '.instances-table tbody tr'],
    ['instance', `/instances/${ids.equipment}`, /Lab equipment/, 'text=Run history'],
    ['run', `/instances/${ids.equipment}/runs/${ids.run}`, /Run of Lab equipment/, '#log-heading'],
    ['failed-run', `/instances/${ids.broken}/runs/${ids.failedRun}`, /Run of Missing file/, '#log-heading'],
    ['version-diff', `/instances/${ids.equipment}/versions/2`, /Version 2/, '.diff-list, .diff'],
    ['edit', `/instances/${ids.equipment}/edit`, /Edit/, '#root_name'],
    ['new', '/instances/new?template=table_loader', /New/, '#root_name'],
    ['templates', '/templates', 'Templates', 'text=Table Loader'],
    ['load-errors', '/templates/load-errors', /load errors/i],
    ['data', '/data', /Data/, 'text=lab_equipment'],
    ['data-table', '/data/lab_equipment', /lab_equipment/, 'table tbody tr'],
    ['channels', '/notifications', /Notification/, `text=Lab alerts`],
    ['channel', `/notifications/${ids.channel}`, /Lab alerts/],
    ['channel-edit', `/notifications/${ids.channel}/edit`, /Edit/],
    ['channel-new', '/notifications/new', /New/],
    ['provisioning', '/provisioning', /Provisioning/],
    ['upcoming', '/upcoming', /Upcoming/, 'table tbody tr'],
    ['dependencies', '/dependencies', /Dependencies/, 'svg'],
    ['not-found', '/no-such-page', 'No page here'],
  ];

  async function visit(name: string, pathname: string, heading: string | RegExp, waitFor?: string) {
    await browser.goto(pathname, heading);
    if (waitFor) await browser.page.locator(waitFor).first().waitFor({ timeout: 10_000 });
    // Lets a page settle (a debounced validation, a live stream's first event) before it is judged.
    await browser.page.waitForTimeout(300);
  }

  beforeAll(async () => {
    provisioningDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-console-a11y-'));
    fs.writeFileSync(
      path.join(provisioningDir, 'lab.yaml'),
      'instances:\n  - name: Provisioned bookings\n    template_id: table_loader\n    config: { file_path: examples/lab_resources_q1.tsv, table_name: provisioned_bookings }\n',
    );
    app = await TestApp.start({ pluginRoots: [FIXTURE_ROOTS.good, FIXTURE_ROOTS.broken], env: { PROVISIONING_PATH: provisioningDir } });
    fs.cpSync(path.resolve(__dirname, '..', 'examples'), path.join(app.dataDir, 'examples'), { recursive: true });

    const equipment = await app.post('/api/plugins/instances', { template_id: 'table_loader', name: 'Lab equipment', config: { file_path: 'examples/equipment.csv', table_name: 'lab_equipment' } });
    expect(equipment.status).toBe(201);
    ids.equipment = equipment.body.id;
    const run = await app.post(`/api/plugins/instances/${ids.equipment}/execute`);
    expect(run.body.status).toBe('succeeded');
    ids.run = run.body.id;
    const edited = await app.put(`/api/plugins/instances/${ids.equipment}`, { config: { file_path: 'examples/equipment.csv', table_name: 'lab_equipment', mode: 'append' } });
    expect(edited.status).toBe(200);
    const scheduled = await app.put(`/api/plugins/instances/${ids.equipment}`, { schedule: { cron: '0 6 * * 1-5', timezone: 'Europe/Berlin' } });
    expect(scheduled.status).toBe(200);
    expect((await app.post(`/api/plugins/instances/${ids.equipment}/webhooks`, { name: 'Lab sheet changed', signing: 'standard' })).status).toBe(201);

    const broken = await app.post('/api/plugins/instances', { template_id: 'table_loader', name: 'Missing file', config: { file_path: 'examples/nope.csv', table_name: 'nope' }, depends_on: [ids.equipment] });
    expect(broken.status).toBe(201);
    ids.broken = broken.body.id;
    const failed = await app.post(`/api/plugins/instances/${ids.broken}/execute`);
    expect(failed.body.status).toBe('failed');
    ids.failedRun = failed.body.id;

    const channel = await app.post('/api/notifications/channels', { name: 'Lab alerts', type: 'webhook', config: { url: 'https://hooks.example.org/lab' }, events: ['execution.failed'] });
    expect(channel.status).toBe(201);
    ids.channel = channel.body.id;

    fresh = await TestApp.start();
    browser = await ConsoleBrowser.open(app.baseUrl, { axe: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const server of [app, fresh]) {
      await server?.close();
      server?.removeData();
    }
    fs.rmSync(provisioningDir, { recursive: true, force: true });
  });

  it.each([1280, 390])('finds no WCAG 2.1 A/AA violation on any page at %i px', async (width) => {
    await browser.resize(width);
    const found: string[] = [];
    for (const [name, pathname, heading, waitFor] of pages()) {
      await visit(name, pathname, heading, waitFor);
      // Every page at both widths, for a look over the whole console.
      await browser.screenshot(`page-${name}-${width}`);
      for (const violation of await browser.accessibilityViolations()) found.push(`${name} (${width} px) ${violation}`);
    }
    expect(found).toEqual([]);
  }, 180_000);

  it('finds none in the states between pages: a field error with its summary, the schedule editor with its live preview', async () => {
    await browser.resize(1280);
    await visit('new', '/instances/new?template=table_loader', /New/, '#root_name');
    await browser.page.locator('#root_name').fill('Bad table');
    await browser.page.locator('#root_config_file_path').fill('examples/equipment.csv');
    await browser.page.locator('#root_config_table_name').fill('2024 equipment');
    await browser.page.locator('#root_config_table_name__error').waitFor({ timeout: 5_000 });
    await browser.page.getByRole('button', { name: 'Create instance' }).click();
    await browser.page.locator('.error-summary').waitFor();
    const found = (await browser.accessibilityViolations()).map((violation) => `form error: ${violation}`);

    await visit('instance', `/instances/${ids.equipment}`, /Lab equipment/, 'text=Run history');
    await browser.page.getByRole('button', { name: /Edit schedule|Change schedule/ }).first().click();
    await browser.page.locator('.schedule-preview table').waitFor({ timeout: 5_000 });
    found.push(...(await browser.accessibilityViolations()).map((violation) => `schedule editor: ${violation}`));
    expect(found).toEqual([]);
  }, 120_000);

  it('finds none in the empty states of a fresh server', async () => {
    const empty = await ConsoleBrowser.open(fresh.baseUrl, { axe: true });
    try {
      const found: string[] = [];
      for (const [name, pathname, heading] of [
        ['instances', '/instances', 'Instances'],
        ['data', '/data', /Data/],
        ['channels', '/notifications', /Notification/],
        ['upcoming', '/upcoming', /Upcoming/],
        ['dependencies', '/dependencies', /Dependencies/],
      ] as Array<[string, string, string | RegExp]>) {
        await empty.goto(pathname, heading);
        await empty.page.waitForTimeout(300);
        for (const violation of await empty.accessibilityViolations()) found.push(`${name} (empty) ${violation}`);
      }
      expect(found).toEqual([]);
      expect(empty.cspViolations).toEqual([]);
    } finally {
      await empty.close();
    }
  }, 120_000);

  it('walks every page by keyboard: Tab reaches each control with a visible focus ring and never gets stuck', async () => {
    await browser.resize(1280);
    const found: string[] = [];
    for (const [name, pathname, heading, waitFor] of pages()) {
      await visit(name, pathname, heading, waitFor);
      const seen = new Set<string>();
      for (let step = 0; step < 120; step += 1) {
        await browser.page.keyboard.press('Tab');
        const focused: { key: string; ring: boolean; visible: boolean } | null = await browser.page.evaluate(() => {
          const element = document.activeElement;
          if (!element || element === document.body) return null;
          const style = getComputedStyle(element);
          const box = element.getBoundingClientRect();
          // An outline or a shadow; a node of the SVG graph shows focus as a thicker stroke of its box instead.
          const shape = element.querySelector('rect');
          const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none' || (shape !== null && parseFloat(getComputedStyle(shape).strokeWidth) >= 3);
          const key = `${element.tagName.toLowerCase()}#${element.id}.${element.getAttribute('aria-label') ?? ''}:${(element.textContent ?? '').trim().slice(0, 40)}@${Math.round(box.x)},${Math.round(box.y + window.scrollY)}`;
          return { key, ring, visible: box.width > 0 && box.height > 0 };
        });
        // Back at the top (the browser's own chrome had focus): every control on the page has been reached.
        if (focused === null || seen.has(focused.key)) break;
        seen.add(focused.key);
        if (!focused.ring) found.push(`${name}: no focus ring on ${focused.key}`);
        if (!focused.visible) found.push(`${name}: focus on an invisible element ${focused.key}`);
      }
      if (seen.size < 3) found.push(`${name}: Tab reached only ${seen.size} controls`);
    }
    expect(found).toEqual([]);
  }, 300_000);

  it('reports a contrast failure when the page has one (the check can fail)', async () => {
    await visit('instances', '/instances', 'Instances', '.instances-table tbody tr');
    await browser.page.evaluate(() => {
      const faint = document.createElement('p');
      faint.textContent = 'Light grey on white';
      faint.style.color = '#c8c8c8';
      faint.style.background = '#ffffff';
      document.querySelector('main').appendChild(faint);
    });
    const found = await browser.accessibilityViolations();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^color-contrast: .*contrast of 1\.6/);
  });

  it('ran under the console CSP without errors and without leaving loopback', () => {
    expect(browser.offOrigin).toEqual([]);
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
