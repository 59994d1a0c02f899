import { Readable } from 'node:stream';
import { loadSettings } from '../../src/config/settings';
import { OutboundHttpService } from '../../src/sdk';
import { FakeApiServer, sendJson } from '../../test/helpers/fake-api-server';
import { backoffDelay, nextLinkFromHeader, parseRetryAfter, RetryOptions, sendWithRetries } from './http';
import { JsonRecordsWalker, JsonToken, NO_RECORD, parseJsonPointer } from './json-records';

const { parser } = require('stream-json') as { parser: (options?: Record<string, unknown>) => NodeJS.ReadWriteStream };

/** Streams `json` through stream-json in small chunks and collects what the walker yields. */
async function walk(json: string, recordsPointer: string, extraPointer: string | null = null) {
  const walker = new JsonRecordsWalker(recordsPointer, extraPointer);
  const chunks = json.match(/[\s\S]{1,7}/g) ?? [];
  const tokens = Readable.from(chunks).pipe(parser({ packValues: true, streamValues: false }));
  const records: unknown[] = [];
  for await (const token of tokens as AsyncIterable<JsonToken>) {
    const record = walker.feed(token);
    if (record !== NO_RECORD) records.push(record);
  }
  walker.finish();
  return { records, extra: walker.extraValue };
}

describe('api_fetcher JSON pointers', () => {
  it('parses RFC 6901 pointers with escapes', () => {
    expect(parseJsonPointer('')).toEqual([]);
    expect(parseJsonPointer('/data')).toEqual(['data']);
    expect(parseJsonPointer('/a~1b/c~0d/')).toEqual(['a/b', 'c~d', '']);
  });

});

describe('api_fetcher streaming record walker', () => {
  it('yields the records of a top-level array, nested values intact', async () => {
    const records = [{ id: 1, tags: ['a', 'b'], meta: { deep: { x: null } } }, { id: 2.5, ok: true, s: 'é"\\' }, 7, 'text', null, [1, [2]]];
    expect((await walk(JSON.stringify(records), '')).records).toEqual(records);
  });

  it('finds the records array and the next value wherever the pointers say, in any key order', async () => {
    const body = { meta: { count: 2, data: 'not this one' }, data: [{ id: 1 }, { id: 2 }], links: { next: 'https://x/2' } };
    expect(await walk(JSON.stringify(body), '/data', '/links/next')).toEqual({ records: [{ id: 1 }, { id: 2 }], extra: 'https://x/2' });
    const nextFirst = { links: { next: null }, data: [] };
    expect(await walk(JSON.stringify(nextFirst), '/data', '/links/next')).toEqual({ records: [], extra: null });
  });

  it('follows pointers through array indexes and escaped keys', async () => {
    const body = { 'a/b': [{ skip: [9] }, { items: [{ n: 1 }] }] };
    expect((await walk(JSON.stringify(body), '/a~1b/1/items')).records).toEqual([{ n: 1 }]);
  });

  it('keeps a "__proto__" field as data instead of changing the prototype', async () => {
    const { records } = await walk('[{"__proto__": {"polluted": true}, "id": 1}]', '');
    const record = records[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['__proto__', 'id']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports an object or array at the next pointer as not a URL', async () => {
    const { extra } = await walk('{"data": [], "next": {"href": "x"}}', '/data', '/next');
    expect(extra).toMatchObject({ kind: 'an object' });
  });

  it('fails precisely when the pointer leads to something else or nothing', async () => {
    await expect(walk('{"data": {"id": 1}}', '/data')).rejects.toThrow("records_pointer '/data' does not point to an array (it is an object)");
    await expect(walk('{"items": []}', '/data')).rejects.toThrow("records_pointer '/data' does not point to an array (the body has nothing there)");
    await expect(walk('{"items": []}', '')).rejects.toThrow("records_pointer '' does not point to an array (it is an object)");
    await expect(walk('{"data": "x"}', '/data')).rejects.toThrow('(it is a string)');
  });

  it('does not take an array nested deeper under the same key for the records', async () => {
    await expect(walk('{"x": {"data": [1]}}', '/data')).rejects.toThrow('the body has nothing there');
  });
});

describe('api_fetcher HTTP helpers', () => {
  it('finds rel="next" in Link headers and resolves relative targets', () => {
    const base = 'http://api.test/v1/items?page=1';
    expect(nextLinkFromHeader('<https://api.test/v1/items?page=2>; rel="next"', base)).toBe('https://api.test/v1/items?page=2');
    expect(nextLinkFromHeader('</v1/items?page=1>; rel="prev", </v1/items?page=3&a=1,2>; rel=next; title="x;y"', base)).toBe('http://api.test/v1/items?page=3&a=1,2');
    expect(nextLinkFromHeader('<?page=4>; title="next"; rel="last", <?page=2>; rel="prefetch NEXT"', base)).toBe('http://api.test/v1/items?page=2');
    expect(nextLinkFromHeader('<?page=9>; rel="last"', base)).toBeNull();
    expect(nextLinkFromHeader(null, base)).toBeNull();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('backs off exponentially with jitter, capped', () => {
    const retries = { max_attempts: 5, backoff_ms: 100, max_backoff_ms: 300 };
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, retries, () => 0))).toEqual([50, 100, 150]);
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, retries, () => 1))).toEqual([100, 200, 300]);
  });
});

describe('api_fetcher sendWithRetries', () => {
  let api: FakeApiServer;
  // The fake API is on loopback, which outbound HTTP refuses unless allowed.
  const allowed = new OutboundHttpService(loadSettings({ FETCH_ALLOW_HOSTS: '127.0.0.1' }));
  const guarded = new OutboundHttpService(loadSettings({}));
  beforeAll(async () => {
    api = await FakeApiServer.start();
    api.on('GET', '/slow-down', (request, response) => sendJson(response, 429, {}, { 'retry-after': '30' }));
    api.on('GET', '/hang', () => undefined);
  });
  afterAll(async () => {
    await api.close();
    await allowed.onApplicationShutdown();
    await guarded.onApplicationShutdown();
  });

  const options = (signal: AbortSignal, overrides: Partial<RetryOptions> = {}): RetryOptions => ({
    fetch: (url, init) => allowed.fetch(url, init),
    max_attempts: 2,
    backoff_ms: 10,
    max_backoff_ms: 10000,
    timeout_ms: 10000,
    signal,
    log: () => undefined,
    ...overrides,
  });
  const get = (path: string) => ({ method: 'GET' as const, url: api.url(path), headers: {} });

  it('caps Retry-After by max_backoff_ms', async () => {
    const started = Date.now();
    await expect(sendWithRetries(get('/slow-down'), options(new AbortController().signal, { max_backoff_ms: 100 }))).rejects.toThrow('answered 429 Too Many Requests: {} (gave up after 2 attempts)');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops waiting for a retry as soon as the run is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by user')), 100);
    const started = Date.now();
    await expect(sendWithRetries(get('/slow-down'), options(controller.signal))).rejects.toThrow('cancelled by user');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('abandons a hanging request as soon as the run is aborted, without retrying', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    const before = api.requests('/hang').length;
    await expect(sendWithRetries(get('/hang'), options(controller.signal))).rejects.toThrow('shutting down');
    expect(api.requests('/hang').length - before).toBe(1);
  });

  it('fails at once, without retrying, when the address is refused', async () => {
    const before = api.requests().length;
    const log: string[] = [];
    const failure = sendWithRetries(get('/slow-down'), options(new AbortController().signal, { max_attempts: 3, fetch: (url, init) => guarded.fetch(url, init), log: (message) => log.push(message) }));
    await expect(failure).rejects.toThrow(/^GET http:\/\/127\.0\.0\.1:\d+\/slow-down refused: connection to 127\.0\.0\.1 refused: a loopback address \(127\.0\.0\.0\/8\); add 127\.0\.0\.1 to FETCH_ALLOW_HOSTS, or set FETCH_ALLOW_PRIVATE=true, to allow it$/);
    expect(log).toEqual([]);
    expect(api.requests().length).toBe(before);
  });
});
