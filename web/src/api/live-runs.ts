import type { Execution } from '../../../openapi/client';

const RANK: Record<string, number> = { queued: 0, running: 1 };
/** How far a run is: queued, running, ended. Statuses only move forward. */
const rankOf = (execution: Execution): number => RANK[execution.status] ?? 2;

/** The runs heard so far (newest first) with one more event: a new run goes on top, a known one moves on (never back). */
export function heardRun(heard: Execution[], execution: Execution, max: number): Execution[] {
  const at = heard.findIndex((known) => known.id === execution.id);
  if (at < 0) return [execution, ...heard].slice(0, max);
  if (rankOf(heard[at]) > rankOf(execution)) return heard;
  const next = [...heard];
  next[at] = execution;
  return next;
}

/**
 * A page of runs (newest first) with the runs heard on the stream laid over it: a run it lacks goes on top, and a run
 * it has is shown as the stream last told, unless the page is further on (it was read after). Undefined until the
 * page is loaded.
 */
export function withLiveRuns<P extends { items: Execution[] }>(page: P | undefined, live: readonly Execution[]): P | undefined {
  if (!page || live.length === 0) return page;
  const byId = new Map(live.map((execution) => [execution.id, execution]));
  const items = page.items.map((execution) => {
    const heard = byId.get(execution.id);
    byId.delete(execution.id);
    return heard && rankOf(heard) >= rankOf(execution) ? heard : execution;
  });
  // What is left is newer than the page: newest first, as `live` keeps them.
  return { ...page, items: [...live.filter((execution) => byId.has(execution.id)), ...items] };
}

