import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AxeResults, Result } from 'axe-core';
import { Browser, BrowserContext, chromium, Locator, Page, Request } from 'playwright-core';
import { DEFAULT_CONSOLE_ROOT } from '../../src/console/console-static';
import { CHROMIUM_ARGS, ensureChromium } from './chromium';

// The page's own globals, for the functions run in it: the server's tsconfig has no DOM types. (Functions, not
// strings: a string would be evaluated with eval, which the console's CSP forbids.)
declare const axe: { run: (context: unknown, options: unknown) => Promise<AxeResults> };
declare const document: any;

export const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The WCAG 2.1 A and AA rules of axe-core: contrast, names, labels, landmarks, ARIA. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface ConsoleBrowserOptions {
  width?: number;
  height?: number;
  /** Lets the page read and write the clipboard (the copy buttons). */
  clipboard?: boolean;
  /** Injects axe-core into every document, for `accessibilityViolations` (off by default: it adds to each page load). */
  axe?: boolean;
}

/** Fails the test run early, with what to do, when the console was not built. */
export function requireBuiltConsole(): void {
  if (!fs.existsSync(path.join(DEFAULT_CONSOLE_ROOT, 'index.html'))) throw new Error(`no built console in ${DEFAULT_CONSOLE_ROOT}: run npm run build first (npm test does)`);
}

/**
 * The built console in headless Debian Chromium against a server on loopback, with what every console test watches:
 * requests that tried to leave 127.0.0.1 (all refused before a packet leaves), CSP violations, uncaught page errors,
 * and every request the page made. With `axe`, axe-core is injected into each document as an init script (which the
 * page's CSP does not govern), for `accessibilityViolations`.
 */
export class ConsoleBrowser {
  readonly offOrigin: string[] = [];
  readonly cspViolations: string[] = [];
  readonly pageErrors: string[] = [];
  readonly requests: Request[] = [];

  private constructor(
    readonly baseUrl: string,
    private readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(baseUrl: string, options: ConsoleBrowserOptions = {}): Promise<ConsoleBrowser> {
    requireBuiltConsole();
    const browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
    if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    if (options.axe) await context.addInitScript({ path: require.resolve('axe-core/axe.min.js') });
    const page = await context.newPage();
    const console = new ConsoleBrowser(baseUrl, browser, context, page);
    // Only loopback: anything else the page tries to load is refused and remembered.
    await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
      console.offOrigin.push(route.request().url());
      return route.abort();
    });
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) console.cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => console.pageErrors.push(error.message));
    page.on('request', (request) => console.requests.push(request));
    return console;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  /** Opens a console path (e.g. `/instances`) and waits for its level-1 heading. */
  async goto(pathname: string, heading?: string | RegExp): Promise<void> {
    await this.page.goto(`${this.baseUrl}${pathname}`);
    if (heading !== undefined) await this.page.getByRole('heading', { name: heading, level: 1 }).waitFor({ timeout: 20_000 });
  }

  /** A link of the main navigation. */
  nav(name: string): Locator {
    return this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  }

  /** The API requests the page made since `since` (an index into `requests`). */
  apiRequests(since: number): Request[] {
    return this.requests.slice(since).filter((request) => new URL(request.url()).pathname.startsWith('/api/'));
  }

  /** A full-page screenshot in test/artifacts/console-<name>.png, to be looked at. */
  async screenshot(name: string): Promise<void> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await this.page.screenshot({ path: path.join(ARTIFACTS, `console-${name}.png`), fullPage: true });
  }

  /** The viewport width, for the narrow layout checks. */
  async resize(width: number, height = 900): Promise<void> {
    await this.page.setViewportSize({ width, height });
  }

  /**
   * What axe-core finds against WCAG 2.1 A and AA on the page as it is now (colour contrast included), one line per
   * failing element: "rule: selector: summary". Empty when the page passes.
   */
  async accessibilityViolations(): Promise<string[]> {
    const results: AxeResults = await this.page.evaluate((tags) => axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), AXE_TAGS);
    return results.violations.flatMap((violation: Result) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')}: ${node.failureSummary?.replace(/\s+/g, ' ').trim() ?? violation.help}`));
  }
}
