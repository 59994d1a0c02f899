import { humanize } from '../format';

/** What each status means, for the badge's tooltip and screen readers. */
const MEANING: Record<string, string> = {
  pending: 'never run',
  active: 'the last run succeeded',
  error: 'the last run failed, or the config needs fixing',
  inactive: 'disabled',
  queued: 'waiting to start',
  running: 'running now',
  succeeded: 'finished without error',
  failed: 'ended with an error',
  cancelled: 'cancelled on request',
  timed_out: 'stopped at its time limit',
  interrupted: 'the server stopped during the run',
};

/** A status as a coloured word: the colour repeats the word, it never replaces it. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`} title={MEANING[status]}>
      {humanize(status)}
    </span>
  );
}
