import type { Execution, Instance } from '../../../openapi/client';
import { api, callWithResponse, isAbort } from './client';
import { EventStreamParser, type ServerSentEvent } from './event-stream';
import { ApiError } from './problem';

export interface Progress {
  current: number;
  total?: number;
  message?: string;
}

const FINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted']);
export const isFinal = (status: string): boolean => FINAL_STATUSES.has(status);

export interface FollowHandlers {
  onStatus: (execution: Execution) => void;
  onProgress: (progress: Progress) => void;
  /** live: events are flowing; reconnecting: the stream dropped and the console is trying again. */
  onConnection?: (state: 'live' | 'reconnecting') => void;
  /** A failure that ends following (the run is gone, no access). */
  onError: (error: ApiError) => void;
}

const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

interface StreamSource {
  /** Opens the stream (through the generated client), with the headers given (Last-Event-ID after a drop). */
  open: (headers: Record<string, string>) => Promise<unknown>;
  /** The stream is open; `reopened` after a drop, with the last event id seen (if any) sent along. */
  onOpen?: (reopened: boolean, lastEventId: string | undefined) => void;
  /** One event; true when the stream has said all it will, so following ends. */
  onEvent: (event: ServerSentEvent) => boolean | void;
  onConnection?: (state: 'live' | 'reconnecting') => void;
  /** A failure that ends following (the thing followed is gone, no access). */
  onError: (error: ApiError) => void;
}

/**
 * Reads a Server-Sent Events stream until `onEvent` says it is done or `signal` aborts. Read through fetch, not
 * EventSource: EventSource cannot send the Authorization header an API key needs. A dropped stream is reopened (1 s,
 * 2 s, 4 s ... up to 15 s apart) with Last-Event-ID when the server sent ids; a 4xx other than 429 ends following.
 */
async function followStream(source: StreamSource, signal: AbortSignal): Promise<void> {
  const parser = new EventStreamParser();
  let delay = 1000;
  let opened = false;
  while (!signal.aborted) {
    let finished = false;
    try {
      const sentId = parser.lastEventId;
      const { data: stream } = await callWithResponse(source.open(sentId !== undefined ? { 'Last-Event-ID': sentId } : {}) as Promise<{ data?: ReadableStream | null; error?: unknown; response: Response }>);
      source.onConnection?.('live');
      source.onOpen?.(opened, sentId);
      opened = true;
      if (!stream) throw new ApiError(0, { title: 'The event stream was empty', detail: '' });
      const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
      while (!finished) {
        const { value, done } = await reader.read();
        if (done) break;
        delay = 1000;
        for (const event of parser.push(value)) if (source.onEvent(event) === true) finished = true;
      }
      if (finished) await reader.cancel();
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      // Gone, or the key may not see it: trying again will not help.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
        source.onError(error);
        return;
      }
    }
    if (finished) return;
    source.onConnection?.('reconnecting');
    await wait(delay, signal);
    delay = Math.min(delay * 2, 15_000);
  }
}

/**
 * Follows one run's status and progress over GET /executions/{id}/events until its final status, or until `signal`
 * aborts. A reopened stream starts with the run as it is then (and resumes by Last-Event-ID), so nothing that matters
 * is lost in between.
 */
export function followExecution(executionId: string, handlers: FollowHandlers, signal: AbortSignal): Promise<void> {
  return followStream(
    {
      open: (headers) => api.GET('/api/plugins/executions/{execution_id}/events', { params: { path: { execution_id: executionId } }, parseAs: 'stream', signal, headers }),
      onEvent: (event) => {
        if (event.event === 'progress') handlers.onProgress(JSON.parse(event.data) as Progress);
        if (event.event !== 'status') return false;
        const execution = JSON.parse(event.data) as Execution;
        handlers.onStatus(execution);
        return isFinal(execution.status);
      },
      onConnection: handlers.onConnection,
      onError: handlers.onError,
    },
    signal,
  );
}

export type RunEventKind = 'queued' | 'running' | 'finished';

export interface RunStreamHandlers {
  /** A run was queued, started or ended (the execution without its trigger payload). */
  onRun: (kind: RunEventKind, execution: Execution) => void;
  /** The instance right after one of its runs ended: its new status, last run and result. */
  onInstance: (instance: Instance) => void;
  /** The stream was reopened and replays nothing: what the page shows may have missed runs; read it again. */
  onResync: () => void;
  onConnection?: (state: 'live' | 'reconnecting') => void;
  /** A failure that ends following (the instance is gone, no access). */
  onError: (error: ApiError) => void;
}

/**
 * Follows the runs of one instance (GET /instances/{id}/events), or of every instance (instanceId null: GET
 * /executions/events), as they are queued, start and end, until `signal` aborts. A reopened stream replays nothing,
 * so onResync tells the caller to read its data again (the server's `resync` event, or the reopening itself when no
 * event had come yet).
 */
export function followRuns(instanceId: string | null, handlers: RunStreamHandlers, signal: AbortSignal): Promise<void> {
  return followStream(
    {
      open: (headers) =>
        instanceId === null
          ? api.GET('/api/plugins/executions/events', { parseAs: 'stream', signal, headers })
          : api.GET('/api/plugins/instances/{id}/events', { params: { path: { id: instanceId } }, parseAs: 'stream', signal, headers }),
      // With an id sent, the server starts with `resync`; without one it cannot know this is a reconnect.
      onOpen: (reopened, sentId) => {
        if (reopened && sentId === undefined) handlers.onResync();
      },
      onEvent: (event) => {
        if (event.event === 'queued' || event.event === 'running' || event.event === 'finished') handlers.onRun(event.event, JSON.parse(event.data) as Execution);
        else if (event.event === 'instance') handlers.onInstance(JSON.parse(event.data) as Instance);
        else if (event.event === 'resync') handlers.onResync();
      },
      onConnection: handlers.onConnection,
      onError: handlers.onError,
    },
    signal,
  );
}
