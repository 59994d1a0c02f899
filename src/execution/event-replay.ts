import { PluginExecutionEntity } from './plugin-execution.entity';
import { ExecutionChange, EventPosition, formatEventId, isAhead, LoggedChange, parseEventId, Phase, phaseOf, RunEventLog } from './run-event-log';

/**
 * Why a reconnecting client gets the run's current state instead of exactly what it missed:
 * - `invalid_id`: the Last-Event-ID header is not an id this server writes;
 * - `unknown_id`: well-formed, but not one this process could have sent for this run;
 * - `other_process`: written by another server process (before a restart);
 * - `expired`: the run's events are no longer kept (see RunEventLog).
 */
export type ResyncReason = 'invalid_id' | 'unknown_id' | 'other_process' | 'expired';

/** What an event stream writes: a change with its id, or the notice that a snapshot follows. */
export type StreamItem = (ExecutionChange & { id: string }) | { type: 'resync'; reason: ResyncReason };

/**
 * The start of a stream: what to send before the live changes, the position live changes must be past to
 * be news, and the phase the client will be at. `done`: the client already has the final status.
 */
export type StreamPlan = { done: true } | { done: false; items: StreamItem[]; after: number; phase: Phase };

/**
 * Plans a stream for a client that has seen up to `from` (null: nothing; 'invalid': an id it could not
 * read). Called synchronously after `row` was read, with the stream already subscribed, so that every
 * change after `after` reaches it live and none before it does twice. A client without a usable position
 * gets a snapshot: the latest status and the latest progress after it.
 */
export function planStream(log: RunEventLog, executionId: string, row: PluginExecutionEntity, from: EventPosition | null | 'invalid'): StreamPlan {
  const run = log.get(executionId);
  const statuses = run?.statuses ?? [];
  const now = log.position;
  const rowPhase = phaseOf(row);
  // The furthest the run is known to be: the log may be behind a row just committed, or ahead of a row read before a change.
  const latest = statuses.length > 0 && isAhead(statuses.at(-1)!.phase, rowPhase) ? statuses.at(-1)!.phase : rowPhase;

  const snapshot = (reason: StreamItem & { type: 'resync' } | null): StreamPlan => {
    const items: StreamItem[] = reason ? [reason] : [];
    const last = statuses.at(-1);
    if (last && !isAhead(rowPhase, last.phase)) {
      items.push(itemOf(log, last, last.phase));
      if (run!.progress && run!.progress.seq > last.seq) items.push(itemOf(log, run!.progress, last.phase));
      return { done: false, items, after: now, phase: last.phase };
    }
    // Nothing logged for this state of the run (queued, finished before this process, or forgotten): the row is it.
    items.push({ type: 'status', execution: row, id: formatEventId({ epoch: log.epoch, seq: now, phase: rowPhase }) });
    return { done: false, items, after: now, phase: rowPhase };
  };

  if (from === null) return snapshot(null);
  if (from === 'invalid') return snapshot({ type: 'resync', reason: 'invalid_id' });
  // A finished run never changes again: a client that has its final status has everything, from any process.
  if (from.phase === 'f' && latest === 'f') return { done: true };
  if (from.epoch !== log.epoch) return snapshot({ type: 'resync', reason: 'other_process' });
  if (from.seq > now || isAhead(from.phase, latest)) return snapshot({ type: 'resync', reason: 'unknown_id' });

  // The run moved on and nothing of it is logged (its events were forgotten). When something is logged, a row
  // ahead of the log is a change just committed whose event is on its way, and reaches the stream live.
  if (statuses.length === 0 && isAhead(rowPhase, from.phase)) return snapshot({ type: 'resync', reason: 'expired' });

  const missed = statuses.filter((status) => isAhead(status.phase, from.phase));

  const changes: (LoggedChange & { phase?: Phase })[] = [...missed];
  if (run?.progress && run.progress.seq > from.seq) changes.push(run.progress);
  changes.sort((a, b) => a.seq - b.seq);
  let phase = from.phase;
  const items = changes.map((change) => {
    if (change.phase) phase = change.phase;
    return itemOf(log, change, phase);
  });
  return { done: false, items, after: now, phase };
}

/** A logged change as the client gets it, its id naming the phase the client is at once it has it. */
export function itemOf(log: RunEventLog, logged: LoggedChange, phase: Phase): StreamItem {
  return { ...logged.change, id: formatEventId({ epoch: log.epoch, seq: logged.seq, phase }) };
}

/** The position a Last-Event-ID value names; 'invalid' when it is not one; null when there is none. */
export function positionOf(lastEventId: string | undefined): EventPosition | null | 'invalid' {
  if (lastEventId === undefined || lastEventId === '') return null;
  return parseEventId(lastEventId) ?? 'invalid';
}
