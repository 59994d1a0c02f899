import type { Problem } from '../../../openapi/client';

/** One invalid field of a request: `path` is a JSON Pointer into the request body (`/config/table_name`). */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * Why an API call failed, as the console shows it: the RFC 9457 problem the server answered (title, detail, field
 * errors), or `status: 0` when no answer came at all. Every page catches this one type.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  /**
   * The problem as received, for its extension members. Typed by the spec's ProblemDto (`current_etag`,
   * `execution_id`, `required_scope`, ...), but read with care: it is whatever the server, or a proxy, sent.
   */
  readonly problem: Partial<Problem> & Record<string, unknown>;

  constructor(status: number, problem: Record<string, unknown>) {
    const title = typeof problem.title === 'string' ? problem.title : `Request failed (${status})`;
    const detail = typeof problem.detail === 'string' ? problem.detail : '';
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
    this.status = status;
    this.type = typeof problem.type === 'string' ? problem.type : 'unknown';
    this.title = title;
    this.detail = detail;
    this.errors = Array.isArray(problem.errors) ? problem.errors.filter(isFieldError) : [];
    this.problem = problem;
  }

  /** The server wants an API key (401), or the key it got may not do this (403). */
  get needsKey(): boolean {
    return this.status === 401 || this.status === 403;
  }

  /**
   * A 412's `current_etag` as the version it names (the instance's ETag is its version, quoted: `"4"`): what the
   * instance is at now, after someone else's change. Undefined for other problems.
   */
  get currentVersion(): number | undefined {
    const etag = this.problem.current_etag;
    const match = typeof etag === 'string' ? /^(?:W\/)?"(\d+)"$/.exec(etag) : null;
    return match ? Number(match[1]) : undefined;
  }

  /** An extension member of the problem as a string, if it is one. */
  extension(name: string): string | undefined {
    const value = this.problem[name];
    return typeof value === 'string' ? value : undefined;
  }
}

function isFieldError(value: unknown): value is FieldError {
  return typeof value === 'object' && value !== null && typeof (value as FieldError).path === 'string' && typeof (value as FieldError).message === 'string';
}

/** The error for an answer that is not a success: its problem body when it has one, a stand-in built from the status otherwise. */
export function problemFromResponse(status: number, statusText: string, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return new ApiError(status, body as Record<string, unknown>);
  const text = typeof body === 'string' ? body.trim().slice(0, 300) : '';
  return new ApiError(status, { type: 'unknown', title: statusText || `HTTP ${status}`, status, detail: text });
}

/** The error for a request that got no answer (server down, network gone). */
export function unreachable(cause: unknown): ApiError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ApiError(0, { type: 'unreachable', title: 'The server did not answer', status: 0, detail: reason });
}

/** What the user can do about an error: one sentence, or undefined when the detail already says it. */
export function nextStep(error: ApiError): string | undefined {
  if (error.status === 0) return 'Check that the server is running (npm start) and reachable, then try again.';
  if (error.status === 401) return 'This server needs an API key: enter one in the API key box at the top of the page.';
  if (error.status === 403) {
    const scope = error.extension('required_scope');
    return scope ? `Enter an API key with the '${scope}' scope in the API key box.` : 'Enter an API key that may do this in the API key box.';
  }
  if (error.status === 429) return 'Too many requests for now: wait a few seconds, then try again.';
  if (error.status >= 500) return 'Something went wrong on the server; the server log has the details for this request id.';
  return undefined;
}
