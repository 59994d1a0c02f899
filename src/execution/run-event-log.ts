import { randomBytes } from 'node:crypto';
import { Clock } from '../common/clock';
import { ExecutionProgress } from '../sdk/types';
import { PluginExecutionEntity, UNFINISHED_EXECUTION_STATUSES } from './plugin-execution.entity';

/** What a watcher of one execution hears: its row after each state change, and progress in between. */
export type ExecutionChange = { type: 'status'; execution: PluginExecutionEntity } | { type: 'progress'; progress: ExecutionProgress };

/** Where a run is: queued, running or finished (any final status). Statuses only ever move forward. */
export type Phase = 'q' | 'r' | 'f';
const RANK: Record<Phase, number> = { q: 0, r: 1, f: 2 };

export const phaseOf = (execution: PluginExecutionEntity): Phase =>
  execution.status === 'queued' ? 'q' : UNFINISHED_EXECUTION_STATUSES.includes(execution.status) ? 'r' : 'f';

export const isAhead = (phase: Phase, than: Phase): boolean => RANK[phase] > RANK[than];

/** One change as this process numbered it: `seq` orders every change it has seen, across runs. */
export interface LoggedChange {
  seq: number;
  change: ExecutionChange;
}

/**
 * An event id: `<epoch>-<seq>-<phase>`. The epoch names this process (ids of another one, after a restart,
 * are told apart); seq is the position of the last change the client has; phase the run's phase as the
 * client last saw it, which survives restarts because statuses are durable.
 */
export const EVENT_ID_PATTERN = /^[0-9a-f]{8}-(?:0|[1-9][0-9]{0,14})-[qrf]$/;

export interface EventPosition {
  epoch: string;
  seq: number;
  phase: Phase;
}

export function parseEventId(id: string): EventPosition | null {
  if (!EVENT_ID_PATTERN.test(id)) return null;
  const [epoch, seq, phase] = id.split('-');
  return { epoch, seq: Number(seq), phase: phase as Phase };
}

export const formatEventId = (position: EventPosition): string => `${position.epoch}-${position.seq}-${position.phase}`;

/** What one run's watchers may need again: its status changes (at most running and final) and its latest progress. */
export interface RunLog {
  statuses: (LoggedChange & { phase: Phase })[];
  progress: LoggedChange | null;
}

export interface RunEventLogLimits {
  /** How long a finished run's events are kept after its final status. */
  finishedTtlMs: number;
  /** At most this many finished runs are kept; the oldest go first. */
  maxFinished: number;
}

export const RUN_EVENT_LOG_LIMITS: RunEventLogLimits = { finishedTtlMs: 5 * 60_000, maxFinished: 1000 };

/**
 * The recent changes of runs, in memory, for event-stream clients that reconnect. Progress is coalesced
 * to the latest report; statuses are kept whole. Runs not finished are kept (there are only as many as run
 * here); finished ones for `finishedTtlMs` by the Clock, at most `maxFinished`, never while a stream
 * watches them.
 */
export class RunEventLog {
  /** Random per process, so an id from before a restart never passes for one of this process. */
  readonly epoch = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly runs = new Map<string, RunLog>();
  /** Finished runs by the Clock time of their final status, oldest first. */
  private readonly finished = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly watched: (executionId: string) => boolean,
    private readonly limits: RunEventLogLimits = RUN_EVENT_LOG_LIMITS,
  ) {}

  /** The position of the latest change recorded (0 before any). */
  get position(): number {
    return this.seq;
  }

  get(executionId: string): RunLog | undefined {
    return this.runs.get(executionId);
  }

  /**
   * Numbers and keeps a change; null for one that adds nothing (a status the run already had or went past,
   * progress after the final status), which watchers then do not hear.
   */
  record(executionId: string, change: ExecutionChange): LoggedChange | null {
    let run = this.runs.get(executionId);
    const last = run?.statuses.at(-1);
    if (change.type === 'status') {
      const phase = phaseOf(change.execution);
      if (last && !isAhead(phase, last.phase)) return null;
      run ??= this.add(executionId);
      const logged = { seq: ++this.seq, change, phase };
      run.statuses.push(logged);
      if (phase === 'f') this.finished.set(executionId, this.clock.now());
      this.sweep();
      return logged;
    }
    if (last?.phase === 'f') return null;
    run ??= this.add(executionId);
    run.progress = { seq: ++this.seq, change };
    return run.progress;
  }

  /** Forgets finished runs past their time or beyond the limit, except those a stream watches. */
  sweep(): void {
    const now = this.clock.now();
    let excess = this.finished.size - this.limits.maxFinished;
    for (const [executionId, finishedAt] of this.finished) {
      if (excess <= 0 && now - finishedAt < this.limits.finishedTtlMs) break;
      if (this.watched(executionId)) continue;
      this.finished.delete(executionId);
      this.runs.delete(executionId);
      excess--;
    }
  }

  private add(executionId: string): RunLog {
    const run: RunLog = { statuses: [], progress: null };
    this.runs.set(executionId, run);
    return run;
  }
}
