import { isPlainObject } from '../common/json';
import { ExecutionError, ExecutionStatus } from './plugin-execution.entity';

/** How one attempt ended. */
export interface RunOutcome {
  status: Extract<ExecutionStatus, 'succeeded' | 'failed' | 'interrupted' | 'cancelled' | 'timed_out'>;
  result: Record<string, unknown> | null;
  error: ExecutionError | null;
}

/** Outcomes that use up an attempt and may be retried; a cancel is final. */
export const FINAL_STATUSES_RETRIED: ExecutionStatus[] = ['failed', 'timed_out', 'interrupted'];

/** Turns whatever a handler returned into the run's outcome; the soft-error style counts as a failure. */
export function classifyResult(returned: unknown): RunOutcome {
  if (returned === undefined) return { status: 'succeeded', result: {}, error: null };
  if (!isPlainObject(returned)) {
    return { status: 'failed', result: null, error: { type: 'invalid_result', message: `handler returned ${Array.isArray(returned) ? 'an array' : typeof returned}; expected a JSON object` } };
  }
  let result: Record<string, unknown>;
  try {
    result = JSON.parse(JSON.stringify(returned)) as Record<string, unknown>;
  } catch (error) {
    return { status: 'failed', result: null, error: { type: 'invalid_result', message: `handler result is not JSON-serialisable: ${(error as Error).message}` } };
  }
  if (result.status === 'error') {
    const message = [result.message, result.error, result.detail].find((value) => typeof value === 'string') as string | undefined;
    return { status: 'failed', result, error: { type: 'handler_error', message: message ?? 'handler reported status "error"' } };
  }
  return { status: 'succeeded', result, error: null };
}

/** Delay before attempt `nextAttempt` (2, 3, ...): backoff doubling per attempt, times a jitter of 0.5x-1.5x. */
export function retryDelayMs(backoffMs: number, nextAttempt: number, random = Math.random): number {
  return Math.round(backoffMs * 2 ** (nextAttempt - 2) * (0.5 + random()));
}
