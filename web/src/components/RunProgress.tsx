import type { Execution } from '../../../openapi/client';
import type { Progress } from '../api/events';
import { formatDuration, runOutcome } from '../format';
import { StatusBadge } from './StatusBadge';

/** A run's progress: a bar when the handler reports a total, a moving bar when it does not, the handler's message. */
export function RunProgress({ execution, progress, connection, label }: { execution: Execution; progress: Progress | null; connection: string; label: string }) {
  const over = connection === 'done';
  const total = progress?.total;
  const current = progress?.current;
  const percent = total && current !== undefined ? Math.min(100, Math.round((current / total) * 100)) : undefined;
  const amount = current === undefined ? '' : total ? `${current.toLocaleString()} of ${total.toLocaleString()}` : current.toLocaleString();
  return (
    <div className="run-progress">
      <div className="run-progress-head">
        <StatusBadge status={execution.status} />
        <span className="muted small">
          {over ? `took ${formatDuration(execution.duration_ms)}` : connection === 'reconnecting' ? 'Connection lost; reconnecting…' : connection === 'live' ? 'Live' : 'Connecting…'}
        </span>
      </div>
      {over && execution.status === 'succeeded' ? (
        <progress max={100} value={100} aria-label={label}>
          100%
        </progress>
      ) : over ? null : (
        <progress max={100} value={percent} aria-label={label} aria-valuetext={percent !== undefined ? `${percent}%${amount ? `, ${amount}` : ''}` : amount || 'started'}>
          {percent !== undefined ? `${percent}%` : ''}
        </progress>
      )}
      <p className="run-progress-text" aria-live="polite">
        {over ? runOutcome(execution) : [amount, progress?.message].filter(Boolean).join(' · ') || (execution.status === 'queued' ? 'Waiting for a free slot…' : 'Started')}
      </p>
    </div>
  );
}
