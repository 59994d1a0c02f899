import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Page } from 'playwright-core';
import { ConsoleBrowser, requireBuiltConsole } from './helpers/console-browser';
import { TestApp } from './helpers/test-app';

// The page's own globals, for the functions run in it (the server's tsconfig has no DOM types).
declare const document: any;
declare const navigator: any;


/** Runs a shell command as a user would paste it. Asynchronously: the server answering it runs in this process. */
const shell = async (command: string): Promise<string> => (await promisify(execFile)('bash', ['-c', command], { encoding: 'utf8', timeout: 15_000 })).stdout;

/**
 * The console's triggers in headless Chromium against the real server on loopback (the built console, dist/web):
 * step 5 of the seed's use case 1 (a schedule through the editor, its preview as it is typed, its next runs), webhooks
 * with their URL and secret shown once (the copied test command really starts a run), dependencies with a cycle
 * refused, the graph, the upcoming runs, and all of it at 390 px.
 */
describe('Web console: schedules, webhooks and dependencies in a real browser (e2e)', () => {
  let app: TestApp;
  let ui: ConsoleBrowser;
  let page: Page;
  const ids: Record<string, string> = {};

  const instance = async (id: string) => (await app.get(`/api/plugins/instances/${id}`)).body;
  const apiRequests = (since: number) => ui.apiRequests(since);

  const screenshot = (name: string) => ui.screenshot(name);

  async function openInstance(id: string, name: string) {
    await page.goto(`${app.baseUrl}/instances/${id}`);
    await page.getByRole('heading', { name: new RegExp(name), level: 1 }).waitFor();
  }

  /** Waits until no run of the instance is queued or running (a webhook delivery starts one). */
  async function settled(id: string) {
    for (let i = 0; i < 100; i += 1) {
      const runs = (await app.get(`/api/plugins/instances/${id}/executions`)).body.items as Array<{ status: string }>;
      if (runs.every((run) => !['queued', 'running'].includes(run.status))) return runs;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the run did not finish');
  }

  beforeAll(async () => {
    requireBuiltConsole();
    app = await TestApp.start();
    fs.cpSync(path.resolve(__dirname, '..', 'examples'), path.join(app.dataDir, 'examples'), { recursive: true });
    // Three table_loader instances, as the first steps of use case 1 leave them (console.e2e-spec creates them through the form).
    for (const [key, name, file, table] of [
      ['equipment', 'Lab equipment', 'examples/equipment.csv', 'lab_equipment'],
      ['pis', 'PI directory', 'examples/pi_directory.xlsx', 'lab_pis'],
      ['bookings', 'Lab bookings', 'examples/lab_resources_q1.tsv', 'lab_bookings'],
    ]) {
      const created = await app.post('/api/plugins/instances', { template_id: 'table_loader', name, config: { file_path: file, table_name: table } });
      expect(created.status).toBe(201);
      ids[key] = created.body.id;
    }
    ui = await ConsoleBrowser.open(app.baseUrl, { clipboard: true });
    page = ui.page;
  }, 180_000);

  afterAll(async () => {
    await ui?.close();
    await app?.close();
    app?.removeData();
  });

  it('gives an instance a schedule through the editor: the preview follows the typing, a wrong cron shows on its field, DST is explained, the save uses If-Match', async () => {
    await openInstance(ids.equipment, 'Lab equipment');
    const panel = page.locator('.schedule-panel');
    await panel.getByText('No schedule').waitFor();
    await panel.getByRole('button', { name: 'Add a schedule' }).click();

    // A wrong cron: the server's error shows on the cron field, and no preview.
    const cron = page.getByLabel('Cron expression');
    await cron.fill('0 2 * *');
    const cronError = page.locator('#schedule-cron-error');
    await cronError.waitFor({ timeout: 5_000 });
    expect(await cronError.textContent()).toMatch(/must have 5 fields .* or 6 .*got 4/);
    expect(await cron.getAttribute('aria-invalid')).toBe('true');
    expect(await cron.getAttribute('aria-describedby')).toContain('schedule-cron-error');
    expect(await page.locator('.schedule-preview table').count()).toBe(0);
    await screenshot('schedule-error-1280');

    // A zone found by searching for its city, and a cron whose times a DST change touches: explained in words.
    await page.getByLabel('Time zone').fill('berlin');
    await page.getByRole('group', { name: 'Matching time zones' }).getByRole('button', { name: 'Europe/Berlin' }).click();
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
    await cron.fill('30 2 * 3 0');
    await cronError.waitFor({ state: 'detached' });
    const preview = page.locator('.schedule-preview table');
    await preview.waitFor();
    expect(await preview.locator('tbody tr').count()).toBe(5);
    expect(await preview.locator('thead').textContent()).toContain('In Europe/Berlin');
    const skipped = preview.locator('tr.dst-row');
    expect(await skipped.count()).toBeGreaterThan(0);
    expect(await skipped.first().textContent()).toContain('Clocks spring forward that day, so this local time does not exist');
    // The skipped 02:30 runs at 03:30 local, 01:30 UTC.
    expect(await skipped.first().locator('th').textContent()).toMatch(/^Sun \d+ Mar \d{4}, 03:30 \(UTC\+02:00\)$/);
    expect(await skipped.first().locator('td').first().textContent()).toMatch(/01:30 UTC$/);
    await screenshot('schedule-dst-1280');

    // Then the schedule the lab wants: every night at 02:00 in Berlin. The preview updates as it is typed.
    const before = ui.requests.length;
    await cron.fill('0 2 * * *');
    await page.waitForFunction(() => [...document.querySelectorAll('.schedule-preview tbody th')].every((cell: any) => /, 02:00 \(UTC\+0[12]:00\)$/.test(cell.textContent)));
    const previews = apiRequests(before).filter((request) => request.method() === 'POST' && request.url().endsWith('/api/plugins/schedule/preview'));
    expect(previews.length).toBeGreaterThanOrEqual(1);
    expect(previews.length).toBeLessThanOrEqual(2); // debounced: not one request per key
    expect(previews.at(-1)!.postDataJSON()).toEqual({ schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true }, count: 5 });
    await page.getByText('The next 5 runs are below.').waitFor();
    await screenshot('schedule-editor-1280');

    const saving = ui.requests.length;
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await panel.getByText('cron 0 2 * * * in Europe/Berlin').waitFor();
    const put = apiRequests(saving).find((request) => request.method() === 'PUT')!;
    expect(put.headers()['if-match']).toBe('"1"');
    expect(put.postDataJSON()).toEqual({ schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true } });
    const saved = await instance(ids.equipment);
    expect(saved.schedule).toEqual({ cron: '0 2 * * *', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true });
    expect(saved.version).toBe(2);

    // The instance page shows the next run, the state and the saved schedule's next runs.
    expect(await page.locator('.lead').first().textContent()).toContain('version 2');
    const next = panel.locator('dd').first();
    expect(await next.locator('time').getAttribute('datetime')).toBe(saved.next_run_at);
    expect(await panel.locator('dl').textContent()).toContain('Not fired yet');
    await panel.getByRole('table', { name: 'The next 5 runs' }).waitFor();
    expect(await panel.locator('tbody th').first().textContent()).toMatch(/, 02:00 \(UTC\+0[12]:00\)$/);
    await screenshot('instance-schedule-1280');
  }, 60_000);

  it('shows the next run and the schedule once, in the Schedule panel, not again in the details', async () => {
    const terms = () => page.locator('main dt').allTextContents();
    await openInstance(ids.equipment, 'Lab equipment');
    await page.locator('.schedule-panel table').waitFor();
    expect((await terms()).filter((term) => /next run|schedule/i.test(term))).toEqual(['Next run']);
    expect(await page.locator('.schedule-panel dt').first().textContent()).toBe('Next run');
    expect(await page.locator('main').getByText(/^Runs by /).count()).toBe(1);
    // Without a schedule: the panel says so, once.
    await openInstance(ids.pis, 'PI directory');
    await page.locator('.schedule-panel').getByText('No schedule').waitFor();
    expect((await terms()).filter((term) => /next run|schedule/i.test(term))).toEqual([]);
    expect(await page.locator('main').getByText(/runs when asked/).count()).toBe(1);
  }, 30_000);

  it('explains a conflict when the instance changed meanwhile, and removes a schedule after asking', async () => {
    await openInstance(ids.pis, 'PI directory');
    expect((await app.put(`/api/plugins/instances/${ids.pis}`, { name: 'PI directory (2024)' })).status).toBe(200);
    const panel = page.locator('.schedule-panel');
    await panel.getByRole('button', { name: 'Add a schedule' }).click();
    await page.getByLabel('At a fixed interval').check();
    await page.getByLabel('Interval', { exact: true }).fill('6h');
    await page.getByText('The next 5 runs are below.').waitFor();
    await page.getByRole('button', { name: 'Save schedule' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone else changed this instance meanwhile' });
    await conflict.waitFor();
    expect((await instance(ids.pis)).schedule).toBeNull();
    await conflict.getByRole('button', { name: 'Reload the instance' }).click();
    await page.getByRole('heading', { name: /PI directory \(2024\)/, level: 1 }).waitFor();

    await panel.getByRole('button', { name: 'Add a schedule' }).click();
    await page.getByLabel('At a fixed interval').check();
    await page.getByLabel('Interval', { exact: true }).fill('6h');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await panel.getByText('every 6h').waitFor();
    expect((await instance(ids.pis)).schedule.every).toBe('6h');

    await panel.getByRole('button', { name: 'Remove schedule' }).click();
    const confirm = panel.getByRole('group', { name: /Remove the schedule\?/ });
    // The safe choice has the focus.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Keep it');
    await confirm.getByRole('button', { name: 'Remove it' }).click();
    await panel.getByText('No schedule').waitFor();
    expect((await instance(ids.pis)).schedule).toBeNull();
  }, 60_000);

  it('lists the upcoming runs across instances, linked from the navigation', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upcoming' }).click();
    await page.getByRole('heading', { name: 'Upcoming runs', level: 1 }).waitFor();
    const rows = page.locator('.upcoming-table tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getByRole('link').textContent()).toBe('Lab equipment');
    expect(await rows.first().textContent()).toMatch(/02:00 \(UTC\+0[12]:00\) Europe\/Berlin/);
    await page.getByLabel('Show').selectOption({ label: 'Next 7 days' });
    await page.waitForFunction(() => document.querySelectorAll('.upcoming-table tbody tr').length === 7);
    expect(new URL(page.url()).search).toBe('?hours=168');
    await screenshot('upcoming-1280');
  }, 30_000);

  it('creates a GitHub-signed webhook: URL, token and secret shown once; the copied command starts a run; rotate and revoke', async () => {
    await openInstance(ids.equipment, 'Lab equipment');
    const panel = page.locator('.webhooks-panel');
    await panel.getByText('No webhooks').waitFor();
    // A name is needed: said on the field.
    await panel.getByRole('button', { name: 'Create webhook' }).click();
    expect(await page.locator('#webhook-name-error').textContent()).toContain('Give the webhook a name');
    await page.getByLabel('Name', { exact: true }).fill('github-push');
    await page.getByLabel('Signing').selectOption('github');
    await panel.getByRole('button', { name: 'Create webhook' }).click();

    const once = page.getByRole('region', { name: /Webhook “github-push” created/ });
    await once.waitFor();
    const url = await once.getByLabel('URL', { exact: true }).inputValue();
    const token = await once.getByLabel('Token (the last part of the URL)', { exact: true }).inputValue();
    const secret = await once.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(url).toBe(`${app.baseUrl}/api/hooks/${token}`);
    expect(token).toMatch(/^whk_/);
    expect(secret.length).toBeGreaterThan(20);
    expect(await once.textContent()).toContain('X-Hub-Signature-256: sha256=');
    // Focus moves to the notice, so a keyboard or screen reader user lands on it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('shown-once-heading');
    await once.getByRole('button', { name: 'Copy URL' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    await screenshot('webhook-created-1280');

    // The copied test command, run as is, signs and delivers: 202, and a webhook run of this instance.
    const command = (await once.locator('#once-command').textContent())!;
    expect(command).toContain('openssl dgst -sha256 -hmac');
    const answer = await shell(command);
    expect(answer).toMatch(/^HTTP\/1\.1 202/);
    const runs = await settled(ids.equipment);
    expect((runs[0] as any).trigger).toMatchObject({ type: 'webhook', payload: { test: true } });

    // Shown once: gone after "I have copied them", and never shown again.
    await once.getByRole('button', { name: 'I have copied them' }).click();
    await once.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(token);
    await page.reload();
    await panel.locator('.webhooks-table').waitFor();
    expect(await page.content()).not.toContain(token);
    expect(await page.content()).not.toContain(secret);
    const row = panel.locator('.webhooks-table tbody tr').first();
    expect(await row.locator('td').allTextContents()).toEqual(expect.arrayContaining(['GitHub', 'Active']));

    // Rotate: the new secret once, and until when the previous one verifies.
    await row.getByRole('button', { name: 'Rotate secret of github-push' }).click();
    const rotated = page.getByRole('region', { name: /New signing secret for “github-push”/ });
    await rotated.waitFor();
    const newSecret = await rotated.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(newSecret).not.toBe(secret);
    expect(await rotated.textContent()).toContain('The previous secret keeps working until');
    await rotated.getByRole('button', { name: 'I have copied them' }).click();
    await panel.getByText('Active; the previous secret still verifies').waitFor();

    // Revoke, after a confirmation: the URL answers 404 from then on.
    await row.getByRole('button', { name: 'Revoke github-push' }).click();
    await row.getByRole('button', { name: 'Revoke it' }).click();
    await row.getByText('Revoked').waitFor();
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
  }, 60_000);

  it('gives a Standard Webhooks one a command that signs per the spec', async () => {
    await openInstance(ids.bookings, 'Lab bookings');
    await page.getByLabel('Name', { exact: true }).fill('billing');
    await page.getByLabel('Signing').selectOption('standard');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const once = page.getByRole('region', { name: /Webhook “billing” created/ });
    await once.waitFor();
    expect(await once.getByLabel('Signing secret', { exact: true }).inputValue()).toMatch(/^whsec_/);
    const command = (await once.locator('#once-command').textContent())!;
    expect(command).toContain('webhook-signature: v1,$signature');
    expect(await shell(command)).toMatch(/^HTTP\/1\.1 202/);
    expect(((await settled(ids.bookings))[0] as any).trigger.type).toBe('webhook');
  }, 30_000);

  it('sets a dependency with the picker, refuses a loop naming it, and draws the graph', async () => {
    // Lab bookings runs after Lab equipment.
    await openInstance(ids.bookings, 'Lab bookings');
    const panel = page.locator('.dependencies-panel');
    await panel.getByText('No upstreams').waitFor();
    await panel.getByRole('button', { name: 'Choose upstreams' }).click();
    await page.getByLabel('Add an upstream: search instances by name').fill('equip');
    await panel.getByRole('button', { name: 'Add Lab equipment' }).click();
    const saving = ui.requests.length;
    await panel.getByRole('button', { name: 'Save upstreams' }).click();
    await panel.getByRole('heading', { name: 'Runs after' }).waitFor();
    const put = apiRequests(saving).find((request) => request.method() === 'PUT')!;
    expect(put.postDataJSON()).toEqual({ depends_on: [ids.equipment] });
    expect(put.headers()['if-match']).toMatch(/^"\d+"$/);
    expect(await panel.locator('.neighbour-list').first().textContent()).toContain('Lab equipment');
    expect((await instance(ids.bookings)).depends_on).toEqual([ids.equipment]);

    // Lab equipment after Lab bookings would close a loop: refused, and the loop is named.
    await openInstance(ids.equipment, 'Lab equipment');
    expect(await panel.locator('.neighbour-list').last().textContent()).toContain('Lab bookings');
    await panel.getByRole('button', { name: 'Choose upstreams' }).click();
    await page.getByLabel('Add an upstream: search instances by name').fill('bookings');
    await panel.getByRole('button', { name: 'Add Lab bookings' }).click();
    await panel.getByRole('button', { name: 'Save upstreams' }).click();
    const loop = panel.getByRole('alert').filter({ hasText: 'That would make a loop' });
    await loop.waitFor();
    expect(await loop.textContent()).toContain('“Lab equipment” would depend on “Lab bookings”, which depends on “Lab equipment”');
    expect((await instance(ids.equipment)).depends_on).toEqual([]);
    await screenshot('dependency-cycle-1280');
    await panel.getByRole('button', { name: 'Cancel' }).click();

    // The graph: two nodes, one edge (waiting: Lab equipment has not succeeded since), and the same in words.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dependencies' }).click();
    await page.getByRole('heading', { name: 'Dependencies', level: 1 }).waitFor();
    await page.locator('svg.graph').waitFor();
    expect(await page.locator('svg.graph .graph-node').count()).toBe(2);
    expect(await page.locator('svg.graph path.edge').count()).toBe(1);
    const [equipmentBox, bookingsBox] = await Promise.all([page.locator(`#node-${ids.equipment} rect`).boundingBox(), page.locator(`#node-${ids.bookings} rect`).boundingBox()]);
    expect(equipmentBox!.x).toBeLessThan(bookingsBox!.x); // upstream left, dependent right
    expect(await page.locator('.edge-list li').first().textContent()).toMatch(/^Lab equipment → starts Lab bookings/);
    await screenshot('dependencies-1280');

    // A run of the upstream satisfies the edge (the dependent then runs and waits again): shown after a refresh.
    expect((await app.post(`/api/plugins/instances/${ids.equipment}/execute`)).status).toBe(200);
    await settled(ids.bookings);
    expect(((await settled(ids.bookings))[0] as any).trigger.type).toBe('upstream');

    // A node is a link to its instance, from the keyboard too.
    await page.locator(`#node-${ids.bookings}`).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Lab bookings/, level: 1 }).waitFor();
  }, 60_000);

  describe('at 390 px wide, and for every control', () => {
    const pages = () => [
      { name: 'instance-triggers', path: `/instances/${ids.equipment}`, ready: '.webhooks-table' },
      { name: 'schedule-editor', path: `/instances/${ids.equipment}`, ready: '.schedule-panel table', open: 'Edit schedule', then: '.schedule-preview table' },
      { name: 'dependency-editor', path: `/instances/${ids.bookings}`, ready: '.neighbour-list', open: 'Choose upstreams', then: '#upstream-search' },
      { name: 'upcoming', path: '/upcoming', ready: '.upcoming-table' },
      { name: 'dependencies', path: '/dependencies', ready: 'svg.graph' },
    ];

    const unlabelled = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea, button')]
          .filter((control: any) => control.type !== 'hidden' && control.labels?.length === 0 && !control.getAttribute('aria-label') && !control.getAttribute('aria-labelledby') && !control.textContent.trim())
          .map((control: any) => control.outerHTML.slice(0, 120) as string),
      );

    async function open(entry: ReturnType<typeof pages>[number]) {
      await page.goto(`${app.baseUrl}${entry.path}`);
      await page.locator(entry.ready).first().waitFor();
      if (entry.open) {
        await page.getByRole('button', { name: entry.open }).click();
        await page.locator(entry.then!).first().waitFor();
      }
    }

    it('gives every control an accessible name', async () => {
      for (const entry of pages()) {
        await open(entry);
        expect({ route: entry.name, unlabelled: await unlabelled() }).toEqual({ route: entry.name, unlabelled: [] });
        expect(await page.locator('main h1').count()).toBe(1);
      }
    }, 60_000);

    it('renders without horizontal scrolling; the graph scrolls inside its box', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        for (const entry of pages()) {
          await open(entry);
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          expect({ route: entry.name, width }).toEqual({ route: entry.name, width: 390 });
          await screenshot(`${entry.name}-390`);
        }
        const box = await page.evaluate(() => {
          const element = document.querySelector('.graph-box');
          return { client: element.clientWidth, scroll: element.scrollWidth };
        });
        expect(box.scroll).toBeGreaterThan(box.client);
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    }, 60_000);
  });

  it('sent nothing off 127.0.0.1 and met no CSP violation or script error', () => {
    expect(ui.offOrigin).toEqual([]);
    expect(ui.cspViolations).toEqual([]);
    expect(ui.pageErrors).toEqual([]);
  });
});
