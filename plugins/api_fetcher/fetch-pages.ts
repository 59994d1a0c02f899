import { Readable, pipeline } from 'node:stream';
import { ApiFetcherConfig } from './config';
import { abortError, describeFetchError, HttpRequest, nextLinkFromHeader, RetryOptions, sendWithRetries } from './http';
import { JsonRecordsWalker, JsonToken, NO_RECORD, NonScalarValue, RecordsShapeError } from './json-records';

// stream-json is CommonJS without an ES default export.
const { parser: jsonParser } = require('stream-json') as { parser: (options?: Record<string, unknown>) => NodeJS.ReadWriteStream };

/** A record with where it came from, for precise error messages downstream. */
export interface FetchedRecord {
  value: unknown;
  page: number;
  /** 1-based position within its page. */
  index: number;
}

/** Filled in while the records are consumed; read it once the iteration has ended. */
export interface FetchState {
  pages: number;
  records: number;
  http_status: number | null;
  truncated: boolean;
}

export interface FetchHooks {
  signal: AbortSignal;
  fetch: RetryOptions['fetch'];
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  pageDone(page: number, recordsInPage: number, totalRecords: number): void;
}

export function buildHeaders(config: ApiFetcherConfig): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // Header names are case-insensitive: a configured 'Accept' replaces the default rather than doubling it.
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name.toLowerCase()] = value;
  const auth = config.auth;
  if (auth.type === 'bearer') headers.authorization = `Bearer ${auth.token}`;
  else if (auth.type === 'basic') headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
  else if (auth.type === 'api_key') headers[auth.header.toLowerCase()] = auth.value;
  if (config.body !== undefined) headers['content-type'] = 'application/json';
  return headers;
}

function withParams(url: string, params: Record<string, string | number | boolean>): string {
  const target = new URL(url);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, String(value));
  return target.toString();
}

/** The query parameters of page `page` (1-based) for page and offset pagination. */
function pageParams(config: ApiFetcherConfig, page: number): Record<string, string | number | boolean> {
  const pagination = config.pagination;
  const params: Record<string, string | number | boolean> = { ...config.query };
  if (pagination.type === 'page') {
    params[pagination.param] = pagination.start + page - 1;
    if (pagination.size_param && pagination.size !== undefined) params[pagination.size_param] = pagination.size;
  } else if (pagination.type === 'offset') {
    params[pagination.param] = (page - 1) * pagination.limit;
    params[pagination.limit_param] = pagination.limit;
  }
  return params;
}

/**
 * Fetches page after page and yields the records as each body streams in. Pages are requested one at a
 * time and only when the consumer wants more, so memory stays flat however many pages there are.
 */
export async function* fetchRecords(config: ApiFetcherConfig, state: FetchState, hooks: FetchHooks): AsyncGenerator<FetchedRecord> {
  const pagination = config.pagination;
  const headers = buildHeaders(config);
  const body = config.body === undefined ? undefined : JSON.stringify(config.body);
  const nextPointer = pagination.type === 'next_url' ? pagination.next_pointer : null;
  let url = withParams(config.url, pageParams(config, 1));

  for (let page = 1; ; page++) {
    const request: HttpRequest = { method: config.method, url, headers, body };
    const open = await sendWithRetries(request, {
      ...config.retries,
      timeout_ms: config.timeout_ms,
      signal: hooks.signal,
      fetch: hooks.fetch,
      log: (message) => hooks.log('warn', `page ${page}: ${message}`),
    });
    state.pages = page;
    state.http_status = open.response.status;

    const walker = new JsonRecordsWalker(config.records_pointer, nextPointer);
    let inPage = 0;
    const source = open.response.body ? Readable.fromWeb(open.response.body as import('node:stream/web').ReadableStream) : Readable.from([]);
    const tokens = pipeline(source, jsonParser({ packValues: true, streamValues: false }), () => undefined) as unknown as Readable;
    try {
      for await (const token of tokens as AsyncIterable<JsonToken>) {
        const record = walker.feed(token);
        if (record !== NO_RECORD) {
          inPage++;
          state.records++;
          yield { value: record, page, index: inPage };
        }
      }
      walker.finish();
    } catch (error) {
      if (hooks.signal.aborted) throw abortError(hooks.signal);
      if (error instanceof RecordsShapeError) throw new Error(`page ${page}: ${error.message}`);
      if (open.timedOut()) throw new Error(`page ${page}: ${request.method} ${url} timed out after ${config.timeout_ms} ms while reading the response`);
      const reason = (error as Error).message ?? String(error);
      // stream-json's parse errors read "Parser cannot parse input: ..."; network errors are anything else.
      if (/^Parser /.test(reason)) throw new Error(`page ${page}: the response of ${request.method} ${url} is not valid JSON (${reason})`);
      throw new Error(`page ${page}: reading the response of ${request.method} ${url} failed: ${describeFetchError(error)}`);
    } finally {
      tokens.destroy();
    }
    hooks.pageDone(page, inPage, state.records);

    const next = nextUrl(config, page, inPage, url, walker.extraValue, open.response.headers);
    if (next === null) return;
    if (page >= config.max_pages) {
      state.truncated = true;
      hooks.log('warn', `stopped after max_pages (${config.max_pages}); more pages may follow`);
      return;
    }
    url = next;
  }
}

/** The URL of the page after `page`, or null when this style says it was the last one. */
function nextUrl(config: ApiFetcherConfig, page: number, inPage: number, current: string, extraValue: unknown, headers: Headers): string | null {
  const pagination = config.pagination;
  switch (pagination.type) {
    case 'none':
      return null;
    case 'page':
      if (inPage === 0 || (pagination.size !== undefined && inPage < pagination.size)) return null;
      return withParams(config.url, pageParams(config, page + 1));
    case 'offset':
      if (inPage < pagination.limit) return null;
      return withParams(config.url, pageParams(config, page + 1));
    case 'link_header': {
      const header = headers.get('link');
      let next: string | null;
      try {
        next = nextLinkFromHeader(header, current);
      } catch {
        throw new Error(`page ${page}: the Link header's rel="next" target is not a valid URL: ${JSON.stringify((header ?? '').slice(0, 200))}`);
      }
      return checkedNext(next, current, page, 'the Link header');
    }
    case 'next_url': {
      const where = `next_pointer '${pagination.next_pointer}'`;
      if (extraValue === undefined || extraValue === null || extraValue === '') return null;
      if (extraValue instanceof NonScalarValue) throw new Error(`page ${page}: ${where} is ${extraValue.kind}, not a URL`);
      if (typeof extraValue !== 'string') throw new Error(`page ${page}: ${where} is a ${typeof extraValue} (${String(extraValue)}), not a URL`);
      let resolved: string;
      try {
        resolved = new URL(extraValue, current).toString();
      } catch {
        throw new Error(`page ${page}: ${where} is not a valid URL: ${JSON.stringify(extraValue.slice(0, 200))}`);
      }
      return checkedNext(resolved, current, page, where);
    }
  }
}

function checkedNext(next: string | null, current: string, page: number, where: string): string | null {
  if (next === null) return null;
  const protocol = new URL(next).protocol;
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`page ${page}: ${where} leads to ${next}, which is not an http or https URL`);
  // The same URL again would return the same page until max_pages: a broken API, not more data.
  if (next === current) throw new Error(`page ${page}: ${where} leads back to the same URL (${current})`);
  return next;
}
