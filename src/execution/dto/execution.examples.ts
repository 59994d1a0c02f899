import { ApiExamples, EXAMPLE_IDS } from '../../common/api-examples';
import { ACTIVE_INSTANCE } from '../../instances/dto/instance.examples';
import { ExecutionDto, ExecutionLogListDto, ExecutionPageDto, ExecutionStatsDto } from './execution.dto';

/** A table_loader run that imported 12 rows. */
export const SUCCEEDED_EXECUTION: ExecutionDto = {
  id: EXAMPLE_IDS.execution,
  instance_id: EXAMPLE_IDS.instance,
  template_id: 'table_loader',
  status: 'succeeded',
  trigger: { type: 'manual' },
  attempt: 1,
  config_version: 3,
  pinned_version: null,
  started_at: '2026-11-24T10:15:30.000Z',
  finished_at: '2026-11-24T10:15:30.120Z',
  duration_ms: 120,
  progress: { current: 12, total: 12, message: '12 rows imported' },
  result: {
    rows_imported: 12,
    columns: [
      { name: 'Serial No.', type: 'TEXT' },
      { name: 'Name', type: 'TEXT' },
      { name: 'Room', type: 'INTEGER' },
    ],
    table_name: 'ilab_equipment_2024',
    file_path: 'imports/equipment.csv',
    file_type: 'csv',
    mode: 'replace',
    rows_padded: 1,
    warnings: [{ line: 9, message: 'short row: expected 3 fields, found 2; the missing fields are null' }],
    duration_ms: 85,
  },
  error: null,
  retry_of: null,
  triggered_by: EXAMPLE_IDS.apiKey,
};

/** The same instance's previous run, which failed: `error` says why and `result` is null. */
export const FAILED_EXECUTION: ExecutionDto = {
  ...SUCCEEDED_EXECUTION,
  id: EXAMPLE_IDS.failedExecution,
  status: 'failed',
  config_version: 2,
  pinned_version: null,
  started_at: '2026-11-24T10:05:12.000Z',
  finished_at: '2026-11-24T10:05:12.015Z',
  duration_ms: 15,
  progress: null,
  result: null,
  error: { type: 'handler_error', message: 'file not found: imports/equipment.csv' },
};

/** Accepted with Prefer: respond-async, not started yet. */
export const QUEUED_EXECUTION: ExecutionDto = {
  ...SUCCEEDED_EXECUTION,
  status: 'queued',
  started_at: null,
  finished_at: null,
  duration_ms: null,
  progress: null,
  result: null,
};

/** Half-way through an import when the cancel arrived: the run ends `cancelled` once the handler stops. */
export const RUNNING_EXECUTION: ExecutionDto = {
  ...QUEUED_EXECUTION,
  status: 'running',
  started_at: '2026-11-24T10:15:30.000Z',
  progress: { current: 5000, message: '5000 rows imported' },
};

export const EXECUTION_EXAMPLES = {
  finished: {
    succeeded: { summary: 'A run that succeeded', value: SUCCEEDED_EXECUTION },
    // Keys are sorted in the spec and Swagger UI shows the first: the success comes first.
    with_error: { summary: 'A run that failed (still 200: the status says so)', value: FAILED_EXECUTION },
  },
  get: { succeeded: { summary: 'A run that succeeded', value: SUCCEEDED_EXECUTION } },
  queued: { queued: { summary: 'A run waiting to start', value: QUEUED_EXECUTION } },
  cancelling: { running: { summary: 'A running run asked to stop', value: RUNNING_EXECUTION } },
} satisfies Record<string, ApiExamples<ExecutionDto>>;

export const EXECUTION_PAGE_EXAMPLES: ApiExamples<ExecutionPageDto> = {
  history: {
    summary: 'A page of runs (limit=2), newest first; more follow',
    value: { items: [SUCCEEDED_EXECUTION, FAILED_EXECUTION], next_cursor: 'WzE3OTU1MTQ3MTIsImM0YjdlMmExLTlmM2QtNGU4Yy1hNmI1LTFkMGYyZTNjNGI1YSJd' },
  },
};

export const EXECUTION_LOG_EXAMPLES: ApiExamples<ExecutionLogListDto> = {
  import: {
    summary: 'The log of a table_loader run',
    value: {
      items: [
        { at: '2026-11-24T10:15:30.010Z', level: 'info', message: "importing CSV imports/equipment.csv into 'ilab_equipment_2024' with 3 columns" },
        { at: '2026-11-24T10:15:30.115Z', level: 'info', message: "imported 12 rows into 'ilab_equipment_2024' (replace)" },
      ],
    },
  },
};

export const EXECUTION_STATS_EXAMPLES: ApiExamples<ExecutionStatsDto> = {
  counts: {
    summary: 'Runs by status and by trigger',
    value: {
      total: 42,
      by_status: { queued: 0, running: 1, succeeded: 35, failed: 4, cancelled: 1, timed_out: 1, interrupted: 0 },
      by_trigger: { manual: 20, schedule: 18, webhook: 0, upstream: 0, retry: 4 },
    },
  },
};

/** One event as GET .../events writes it. */
const sse = (id: string | null, event: string, data: unknown) => `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const STARTED: ExecutionDto = { ...RUNNING_EXECUTION, progress: null };
const HALF_WAY = { current: 6, total: 12, message: '6 rows imported' };

export const EXECUTION_EVENT_STREAM_EXAMPLES = {
  follow: {
    summary: 'Following a run from its start to its end',
    value:
      'retry: 1000\n\n' +
      sse('3f9a1c02-41-r', 'status', STARTED) +
      sse('3f9a1c02-57-r', 'progress', HALF_WAY) +
      ': keep-alive\n\n' +
      sse('3f9a1c02-60-r', 'progress', SUCCEEDED_EXECUTION.progress) +
      sse('3f9a1c02-63-f', 'status', SUCCEEDED_EXECUTION),
  },
  resumed: {
    summary: 'Resumed with Last-Event-ID: 3f9a1c02-57-r after the run went on and ended',
    value: 'retry: 1000\n\n' + sse('3f9a1c02-60-r', 'progress', SUCCEEDED_EXECUTION.progress) + sse('3f9a1c02-63-f', 'status', SUCCEEDED_EXECUTION),
  },
  resync: {
    summary: 'Resumed with an id from before a restart: a resync event, then the run as it is now',
    value: 'retry: 1000\n\n' + sse(null, 'resync', { reason: 'other_process' }) + sse('5b7e0d91-0-f', 'status', SUCCEEDED_EXECUTION),
  },
};

/** The webhook-started run of ACTIVE_INSTANCE as a stream of runs carries it (no trigger payload). */
const WEBHOOK_RUN: ExecutionDto = { ...QUEUED_EXECUTION, trigger: { type: 'webhook', webhook_id: '2b7d9e41-6a3c-4f8e-b1d5-0c9a8e7f6d54' }, triggered_by: null };
const WEBHOOK_RUN_STARTED: ExecutionDto = { ...WEBHOOK_RUN, status: 'running', started_at: SUCCEEDED_EXECUTION.started_at };
const WEBHOOK_RUN_SUCCEEDED: ExecutionDto = { ...SUCCEEDED_EXECUTION, trigger: WEBHOOK_RUN.trigger, triggered_by: null };

export const RUN_ACTIVITY_STREAM_EXAMPLES = {
  follow: {
    summary: 'A run started by a webhook, from queued to its end, then the instance as it is after it',
    value:
      'retry: 1000\n\n' +
      sse('3f9a1c02-7', 'queued', WEBHOOK_RUN) +
      sse('3f9a1c02-8', 'running', WEBHOOK_RUN_STARTED) +
      ': keep-alive\n\n' +
      sse('3f9a1c02-9', 'finished', WEBHOOK_RUN_SUCCEEDED) +
      sse(null, 'instance', ACTIVE_INSTANCE),
  },
  reconnected: {
    summary: 'Reopened with Last-Event-ID: a resync event (read the runs and the instance again), then live events',
    value: 'retry: 1000\n\n' + sse(null, 'resync', { reason: 'reconnected' }),
  },
};
