import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { OutboundRequestInit, OutboundRequestRefusedError } from '../../src/sdk';
import { RetryConfig } from './config';

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RetryOptions extends RetryConfig {
  timeout_ms: number;
  /** The run's signal: cancel, timeout, shutdown. */
  signal: AbortSignal;
  log(message: string): void;
  /** The guarded fetch of OutboundHttpService: refuses private and loopback targets unless allowed. */
  fetch(url: string, init: OutboundRequestInit): Promise<Response>;
}

/** A successful (2xx) response, with the signal that keeps governing its body. */
export interface OpenResponse {
  response: Response;
  /** Aborts when the run is aborted or this request's time limit passes. */
  signal: AbortSignal;
  /** True once the time limit has passed (tells a timeout from a cancel). */
  timedOut(): boolean;
  attempts: number;
}

/** How long to wait before attempt `attempt + 1`: exponential, capped, with jitter so clients spread out. */
export function backoffDelay(attempt: number, retries: RetryConfig, random: () => number = Math.random): number {
  const exponential = Math.min(retries.max_backoff_ms, retries.backoff_ms * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** Retry-After as milliseconds (delay-seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** The target of the first `rel="next"` link of an RFC 8288 Link header, resolved against `base`. */
export function nextLinkFromHeader(header: string | null, base: string): string | null {
  if (!header) return null;
  // Each link is <uri-reference> followed by ;-separated parameters; URIs may contain ',' and ';'.
  const link = /<([^>]*)>((?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))?)*)/g;
  for (const match of header.matchAll(link)) {
    const param = /;\s*([^;,=\s]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*))?/g;
    for (const [, name, rawValue] of match[2].matchAll(param)) {
      if (name.toLowerCase() !== 'rel' || rawValue === undefined) continue;
      const value = rawValue.startsWith('"') ? rawValue.slice(1, -1).replace(/\\(.)/g, '$1') : rawValue;
      if (value.toLowerCase().split(/\s+/).includes('next')) return new URL(match[1], base).toString();
    }
  }
  return null;
}

/** The start of a response body for an error message: at most `limit` characters, whitespace collapsed. */
export async function bodySnippet(response: Response, limit = 200): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    // 4 bytes per character at most: enough bytes for `limit` characters without reading a huge body.
    for (let bytes = 0; bytes < limit * 4; ) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The snippet is only decoration for an error message; a broken body leaves what was read.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  text = text.replace(/\s+/g, ' ').trim();
  return [...text].slice(0, limit).join('');
}

export const statusLine = (response: Response): string => `${response.status} ${response.statusText || STATUS_CODES[response.status] || ''}`.trim();

/** The cause of a failed fetch in words: undici hides it under `cause` (ECONNREFUSED, ENOTFOUND, ...). */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code && cause.message) return cause.message.includes(cause.code) ? cause.message : `${cause.code}: ${cause.message}`;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The error to throw when the run itself was aborted (cancel, run timeout, shutdown). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new Error(`aborted${reason === undefined ? '' : `: ${String(reason)}`}`);
}

/**
 * Sends a request until it gets a 2xx answer. Network errors, timeouts, 429 and 5xx are retried with
 * backoff (Retry-After wins when given, capped by max_backoff_ms); any other status fails at once.
 */
export async function sendWithRetries(request: HttpRequest, options: RetryOptions): Promise<OpenResponse> {
  const label = `${request.method} ${request.url}`;
  for (let attempt = 1; ; attempt++) {
    options.signal.throwIfAborted();
    const timeout = AbortSignal.timeout(options.timeout_ms);
    const signal = AbortSignal.any([options.signal, timeout]);
    let failure: string;
    let retryAfterMs: number | null = null;
    try {
      // Redirects are followed; the guarded fetch checks the address of every hop.
      const response = await options.fetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal, redirect: 'follow' });
      if (response.ok) return { response, signal, timedOut: () => timeout.aborted, attempts: attempt };
      const answered = `${label} answered ${statusLine(response)}: ${await bodySnippet(response)}`;
      if (response.status !== 429 && response.status < 500) throw new PermanentHttpError(answered);
      failure = answered;
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    } catch (error) {
      if (error instanceof PermanentHttpError) throw new Error(error.message);
      // A refused address stays refused: retrying would only repeat the refusal.
      if (error instanceof OutboundRequestRefusedError) throw new Error(`${label} refused: ${error.message}`);
      if (options.signal.aborted) throw abortError(options.signal);
      failure = timeout.aborted ? `${label} timed out after ${options.timeout_ms} ms` : `${label} failed: ${describeFetchError(error)}`;
    }
    if (attempt >= options.max_attempts) {
      throw new Error(options.max_attempts > 1 ? `${failure} (gave up after ${attempt} attempts)` : failure);
    }
    const wait = retryAfterMs !== null ? Math.min(retryAfterMs, options.max_backoff_ms) : backoffDelay(attempt, options);
    options.log(`${failure}; attempt ${attempt + 1} of ${options.max_attempts} in ${wait} ms`);
    try {
      await sleep(wait, undefined, { signal: options.signal });
    } catch {
      throw abortError(options.signal);
    }
  }
}

class PermanentHttpError extends Error {}
