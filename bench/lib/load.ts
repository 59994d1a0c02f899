import * as os from 'node:os';
import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Responses outside the expected status class, plus socket errors and timeouts. */
  failures: number;
}

export interface LoadOptions {
  url: string;
  durationSeconds: number;
  method?: 'GET' | 'POST' | 'PUT';
  /** Stop after this many requests (durationSeconds stays the upper bound). */
  amount?: number;
  headers?: Record<string, string>;
  /** Builds each request's path and body; called once per request. */
  nextRequest?: () => { path: string; body?: string };
  expectStatus: number;
  /** Ends the run early when it settles (durationSeconds stays the upper bound). */
  stopWhen?: Promise<unknown>;
}

/** Connections per run: two per core, as the issue asks. */
export const CONNECTIONS = 2 * os.availableParallelism();

/** One autocannon run with keep-alive connections against a server on loopback. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  let unexpected = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: CONNECTIONS,
        duration: options.durationSeconds,
        amount: options.amount,
        method: options.method ?? 'GET',
        headers: options.headers,
        requests: options.nextRequest
          ? [{ setupRequest: (request) => ({ ...request, ...options.nextRequest!() }) }]
          : undefined,
      },
      (error: unknown, finished: autocannon.Result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(finished)),
    );
    options.stopWhen?.then(() => instance.stop(), () => instance.stop());
  });
  // autocannon's counters for 1xx..5xx: anything but the expected class is a failure.
  const expectedClass = `${Math.floor(options.expectStatus / 100)}xx` as '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
  for (const statusClass of ['1xx', '2xx', '3xx', '4xx', '5xx'] as const) {
    if (statusClass !== expectedClass) unexpected += result[statusClass];
  }
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: unexpected + result.errors, // errors include timeouts
  };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
