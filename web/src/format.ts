const toMinute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const toSecond = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A moment in the reader's time zone, to the minute (lists) or to the second (a run's times, log lines); null as an em dash. */
export function formatTime(iso: string | null | undefined, precise = false): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : (precise ? toSecond : toMinute).format(date);
}

/** "12 ms", "4.2 s", "3 min 5 s", "2 h 4 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "table_loader" → "Table loader"; "timed_out" → "Timed out". */
export const humanize = (value: string): string => value.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

export function formatCount(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** "50 of 1,234 instances shown." when a list knows its total (`include_total`), else "50 instances shown." */
export function shownOf(shown: number, total: number | undefined, one = 'instance', many = `${one}s`): string {
  if (total === undefined || total <= shown) return `${formatCount(shown, one, many)} shown.`;
  return `${shown.toLocaleString()} of ${formatCount(total, one, many)} shown.`;
}

/** One line about how a run ended: its error, or the headline of its result. */
export function runOutcome(execution: { status: string; result: Record<string, unknown> | null; error: { message: string } | null }): string {
  if (execution.error) return execution.error.message;
  const result = execution.result;
  if (!result) return execution.status === 'running' || execution.status === 'queued' ? 'In progress' : '—';
  for (const key of ['rows_imported', 'rows_written', 'records_fetched', 'rows']) {
    const value = result[key];
    if (typeof value === 'number') {
      const table = typeof result.table_name === 'string' ? ` into ${result.table_name}` : typeof result.target_table === 'string' ? ` into ${result.target_table}` : '';
      return `${value.toLocaleString()} ${key.replace(/_/g, ' ')}${table}`;
    }
  }
  const text = JSON.stringify(result);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** The data-store table a run's result names (`table_name`, or a transformer's `target_table`), if any. */
export function resultTable(result: Record<string, unknown> | null | undefined): string | undefined {
  const table = result?.table_name ?? result?.target_table;
  return typeof table === 'string' && table !== '' ? table : undefined;
}

/** How a run started: "Manual", "Schedule", "Webhook", "Upstream", "Retry". */
export const triggerLabel = (trigger: { type: string }): string => humanize(trigger.type);
