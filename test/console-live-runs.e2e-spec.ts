import { Page } from 'playwright-core';
import { ExecutionEvents } from '../src/execution/execution-events';
import { releaseRun, waitingAt } from './fixtures/plugins/good/function_style';
import { ConsoleBrowser } from './helpers/console-browser';
import { TestApp } from './helpers/test-app';

// The page's own globals, for the functions run in it: the server's tsconfig has no DOM types.
declare const document: any;

const INSTANCES = '/api/plugins/instances';

/** Polls a condition of the app's state (not a timing under test) until it holds. */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The console follows runs it did not start: with an instance's page (or the instances list) open, a run started
 * through the API, as a schedule or a webhook would start one, shows up and finishes there without a reload, over
 * one event stream rather than by polling. The built console (dist/web) in headless Chromium, loopback only.
 */
describe('Console: live runs started elsewhere (e2e)', () => {
  let app: TestApp;
  let events: ExecutionEvents;
  let ui: ConsoleBrowser;
  let page: Page;

  /** The API requests the page sent since `since`, as `METHOD path`. */
  const apiRequests = (since: number) =>
    ui
      .apiRequests(since)
      .map((request) => ({ method: request.method(), path: new URL(request.url()).pathname }))
      .filter((request) => request.path.startsWith('/api/'))
      .map((request) => `${request.method} ${request.path}`);

  const createInstance = async (name: string, config: Record<string, unknown>): Promise<string> => {
    const created = await app.post(INSTANCES, { template_id: 'fixture_function', name, config });
    expect(created.status).toBe(201);
    return created.body.id;
  };

  const screenshot = (name: string) => ui.screenshot(name);

  /** Hides or shows the tab as a browser does when the user switches tabs. */
  const setVisibility = (state: 'hidden' | 'visible') =>
    page.evaluate((value) => {
      Object.defineProperty(document, 'visibilityState', { value, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);

  beforeAll(async () => {
    app = await TestApp.start();
    events = app.app.get(ExecutionEvents);
    ui = await ConsoleBrowser.open(app.baseUrl);
    page = ui.page;
  }, 180_000);

  afterAll(async () => {
    await ui?.close();
    await app?.close();
    app?.removeData();
  });

  afterEach(() => {
    expect(ui.pageErrors).toEqual([]);
    expect(ui.cspViolations).toEqual([]);
    expect(ui.offOrigin).toEqual([]);
  });

  it('shows a run started through the API at the top of the history, with its progress, and its end in the header, without a reload or polling', async () => {
    const id = await createInstance('Nightly import', { mode: 'progress_steps', gate: 'live-console', lines: 4 });
    await page.goto(`${app.baseUrl}/instances/${id}`);
    await page.getByRole('heading', { name: /Nightly import/, level: 1 }).waitFor();
    await page.getByText('No runs yet').waitFor();
    await until(() => events.activityListeners(id) === 1, 'the page to follow the instance');
    const header = page.locator('.page-head h1');
    expect(await header.locator('.badge').textContent()).toBe('Pending');
    const since = ui.requests.length;

    // Started elsewhere: as a scheduler, a webhook or another user would, not from this page.
    const started = await app.post(`${INSTANCES}/${id}/execute`, undefined, { prefer: 'respond-async' });
    expect(started.status).toBe(202);
    await until(() => waitingAt('live-console'), 'the run to start');
    const rows = page.locator('.history-table tbody tr');
    await rows.first().locator('.badge', { hasText: 'Running' }).waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('a').getAttribute('href')).toBe(`/instances/${id}/runs/${started.body.id}`);
    expect(await rows.first().locator('td[data-label="Trigger"]').textContent()).toBe('Manual');
    // Followed over its own stream: progress as the handler reports it.
    const panel = page.locator('.run-panel');
    await panel.getByRole('heading', { name: 'Running now' }).waitFor();
    releaseRun('live-console');
    await until(() => waitingAt('live-console'), 'the first step');
    releaseRun('live-console');
    await until(() => waitingAt('live-console'), 'the second step');
    await panel.getByText('2 of 4').waitFor();
    expect(await panel.getByRole('progressbar').getAttribute('aria-valuetext')).toBe('50%, 2 of 4');
    await screenshot('live-run-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot('live-run-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    for (let step = 0; step < 3; step++) {
      await until(() => waitingAt('live-console'), 'the next step');
      releaseRun('live-console');
    }
    // Its end: the row, the panel and the header (status and last run) move on without a reload.
    await rows.first().locator('.badge', { hasText: 'Succeeded' }).waitFor();
    await panel.getByRole('heading', { name: 'Latest run' }).waitFor();
    await header.locator('.badge', { hasText: 'Active' }).waitFor();
    const finished = (await app.get(`/api/plugins/executions/${started.body.id}`)).body;
    expect(await page.locator('.details time').first().getAttribute('datetime')).toBe(finished.finished_at);
    expect(await rows.first().locator('td[data-label="Result"]').textContent()).toBe(JSON.stringify({ reported: 4 }));

    // A while of nothing: no request goes out (no polling).
    const quiet = ui.requests.length;
    await page.waitForTimeout(2500);
    expect(apiRequests(quiet)).toEqual([]);
    // The whole time, the page sent one request: the opening of the run's own event stream (the instance's was open).
    expect(apiRequests(since)).toEqual([`GET /api/plugins/executions/${started.body.id}/events`]);
    await screenshot('live-run-finished-1280');
  });

  it('keeps older runs loaded with "Load older runs" when a new run arrives', async () => {
    const id = await createInstance('Busy import', { mode: 'ok' });
    for (let i = 0; i < 21; i++) expect((await app.post(`${INSTANCES}/${id}/execute`)).body.status).toBe('succeeded');
    await page.goto(`${app.baseUrl}/instances/${id}`);
    const rows = page.locator('.history-table tbody tr');
    await page.getByRole('button', { name: 'Load older runs' }).click();
    await until(async () => (await rows.count()) === 21, 'the older page');
    await until(() => events.activityListeners(id) === 1, 'the page to follow the instance');

    const run = await app.post(`${INSTANCES}/${id}/execute`);
    await until(async () => (await rows.count()) === 22, 'the new run on top of all 21');
    expect(await rows.first().locator('a').getAttribute('href')).toBe(`/instances/${id}/runs/${run.body.id}`);
    await rows.first().locator('.badge', { hasText: 'Succeeded' }).waitFor();
  });

  it('shows a run started by a webhook and a retry after it, each as it comes', async () => {
    const id = await createInstance('Hooked import', { mode: 'fail_times', fail_times: 1, label: 'live-console-retry' });
    expect((await app.put(`${INSTANCES}/${id}`, { execution_policy: { max_attempts: 2, backoff_ms: 300 } })).status).toBe(200);
    const hook = await app.post(`${INSTANCES}/${id}/webhooks`, { name: 'from-ci' });
    await page.goto(`${app.baseUrl}/instances/${id}`);
    await page.getByText('No runs yet').waitFor();
    await until(() => events.activityListeners(id) === 1, 'the page to follow the instance');
    const since = ui.requests.length;

    const delivered = await app.request('POST', hook.body.url, { rawBody: '{"ref":"main"}', headers: { 'content-type': 'application/json' } });
    expect(delivered.status).toBe(202);
    const rows = page.locator('.history-table tbody tr');
    await until(async () => (await rows.count()) === 2, 'the attempt and its retry in the history');
    await rows.first().locator('.badge', { hasText: 'Succeeded' }).waitFor();
    expect(await rows.locator('td[data-label="Trigger"]').allTextContents()).toEqual(['Retry', 'Webhook']);
    expect(await rows.nth(1).locator('.badge').textContent()).toBe('Failed');
    await page.locator('.page-head h1 .badge', { hasText: 'Active' }).waitFor();
    // Only event streams were opened: the instance's was already open, and each attempt's run stream at most.
    for (const request of apiRequests(since)) expect(request).toMatch(/^GET \/api\/plugins\/executions\/[0-9a-f-]{36}\/events$/);
  });

  it('closes the stream while the tab is hidden and when the page is left, and reads again what it missed on coming back', async () => {
    const id = await createInstance('Hidden import', { mode: 'ok' });
    await page.goto(`${app.baseUrl}/instances/${id}`);
    await page.getByText('No runs yet').waitFor();
    await until(() => events.activityListeners(id) === 1, 'the page to follow the instance');

    await setVisibility('hidden');
    await until(() => events.activityListeners(id) === 0, 'the stream to close while hidden');
    // A run while nobody looks: shown once the tab is back, from a fresh read.
    const run = await app.post(`${INSTANCES}/${id}/execute`);
    expect(run.body.status).toBe('succeeded');
    const since = ui.requests.length;
    await setVisibility('visible');
    await until(() => events.activityListeners(id) === 1, 'the stream to reopen');
    await page.locator('.history-table tbody tr .badge', { hasText: 'Succeeded' }).waitFor();
    await page.locator('.page-head h1 .badge', { hasText: 'Active' }).waitFor();
    expect(apiRequests(since).sort()).toEqual([`GET ${INSTANCES}/${id}`, `GET ${INSTANCES}/${id}/events`, `GET ${INSTANCES}/${id}/executions`].sort());

    // Leaving the page closes its stream; the instances list opens the one of every run instead.
    const all = events.activityListeners(null);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('heading', { name: 'Instances', level: 1 }).waitFor();
    await until(() => events.activityListeners(id) === 0 && events.activityListeners(null) === all + 1, 'the list to follow every run instead');
  });

  it('updates the status and last run of the instances list as runs end', async () => {
    const id = await createInstance('Listed import', { mode: 'ok' });
    await page.goto(`${app.baseUrl}/instances`);
    const row = page.locator('.instances-table tbody tr', { has: page.getByRole('link', { name: 'Listed import' }) });
    await row.locator('.badge', { hasText: 'Pending' }).waitFor();
    await until(() => events.activityListeners(null) === 1, 'the list to follow every run');
    const since = ui.requests.length;

    const run = await app.post(`${INSTANCES}/${id}/execute`);
    await row.locator('.badge', { hasText: 'Active' }).waitFor();
    expect(await row.locator('td[data-label="Last run"] time').getAttribute('datetime')).toBe(run.body.finished_at);
    const failing = await app.put(`${INSTANCES}/${id}`, { config: { mode: 'throw' } });
    expect(failing.status).toBe(200);
    await app.post(`${INSTANCES}/${id}/execute`);
    await row.locator('.badge', { hasText: 'Error' }).waitFor();
    expect(apiRequests(since)).toEqual([]);
    await screenshot('live-list-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot('live-list-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.close();
    await until(() => events.activityListeners(null) === 0 && events.closeListeners() === 0, 'every stream to close with the page');
  });
});
