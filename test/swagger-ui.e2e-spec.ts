import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from './helpers/chromium';
import { TestApp } from './helpers/test-app';

/** Swagger UI as a person uses it: in headless Chromium, against the real server on loopback. */
describe('Swagger UI in a real browser (e2e)', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  /** Console messages about the Content-Security-Policy: the page must work under the one /docs sends. */
  const cspViolations: string[] = [];
  const spec = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'openapi', 'openapi.json'), 'utf8'));
  const operations = Object.values(spec.paths as Record<string, Record<string, { operationId: string; tags: string[] }>>).flatMap((methods) => Object.values(methods));

  beforeAll(async () => {
    const executablePath = ensureChromium();
    app = await TestApp.start();
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Only loopback: anything else the page tries to load is refused before a packet leaves.
    await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(`${app.baseUrl}/docs`);
    await page.waitForSelector('.opblock', { timeout: 20_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    app?.removeData();
  });

  it('renders every tag and every operation', async () => {
    for (const tag of spec.tags.map((t: { name: string }) => t.name)) {
      expect(await page.locator(`#operations-tag-${tag}`).count()).toBe(1);
    }
    for (const operation of operations) {
      expect({ operationId: operation.operationId, rendered: await page.locator(`#operations-${operation.tags[0]}-${operation.operationId}`).count() }).toEqual({
        operationId: operation.operationId,
        rendered: 1,
      });
    }
    expect(await page.title()).toBe('Plugin Instance Framework API');
    expect(cspViolations).toEqual([]);
  });

  it('offers Authorize for the bearer scheme and marks guarded operations with a lock', async () => {
    await page.locator('.auth-wrapper .authorize').first().click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor({ timeout: 10_000 });
    expect(await dialog.textContent()).toContain('bearer');
    expect(await dialog.locator('input').count()).toBeGreaterThan(0);
    await dialog.locator('.close-modal').click();
    expect(await page.locator('#operations-instances-createInstance .authorization__btn').count()).toBe(1);
    expect(await page.locator('#operations-health-getHealth .authorization__btn').count()).toBe(0);
  });

  it('creates an instance (201) and runs it (200) with "Try it out"', async () => {
    const create = page.locator('#operations-instances-createInstance');
    await create.locator('.opblock-summary').click();
    await create.locator('button.try-out__btn').click();
    const body = JSON.stringify({ template_id: 'fixture_function', name: 'Made in Swagger UI', config: { mode: 'ok', label: 'browser' } });
    await create.locator('textarea.body-param__text').fill(body);
    await create.locator('button.execute').click();
    const createStatus = create.locator('.live-responses-table .response .response-col_status').first();
    await createStatus.waitFor({ timeout: 10_000 });
    expect((await createStatus.textContent())?.trim()).toBe('201');
    const created = JSON.parse((await create.locator('.live-responses-table .microlight').first().textContent()) ?? '{}');
    expect(created).toMatchObject({ name: 'Made in Swagger UI', status: 'pending' });

    const execute = page.locator('#operations-executions-executeInstance');
    await execute.locator('.opblock-summary').click();
    await execute.locator('button.try-out__btn').click();
    await execute.locator('tr[data-param-name="id"] input').fill(created.id);
    await execute.locator('button.execute').click();
    const executeStatus = execute.locator('.live-responses-table .response .response-col_status').first();
    await executeStatus.waitFor({ timeout: 10_000 });
    expect((await executeStatus.textContent())?.trim()).toBe('200');
    const run = JSON.parse((await execute.locator('.live-responses-table .microlight').first().textContent()) ?? '{}');
    expect(run).toMatchObject({ instance_id: created.id, status: 'succeeded', result: { ok: true, label: 'browser' } });

    fs.mkdirSync(path.resolve(__dirname, 'artifacts'), { recursive: true });
    await page.screenshot({ path: path.resolve(__dirname, 'artifacts', 'swagger-ui.png'), fullPage: true });
    // The server saw it too.
    expect((await app.get(`/api/plugins/instances/${created.id}`)).body.status).toBe('active');
  });

  it('works under the Content-Security-Policy of /docs: no violation was reported', () => {
    expect(cspViolations).toEqual([]);
  });
});
