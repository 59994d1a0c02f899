import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { PluginExecutionEntity } from './plugin-execution.entity';
import { ExecutionChange, LoggedChange, phaseOf, RunEventLog } from './run-event-log';

export type { ExecutionChange, LoggedChange } from './run-event-log';

/**
 * A run of an instance was queued (a queued row committed: an async execute, a schedule slot, a webhook delivery,
 * an upstream trigger, a retry), started running, or finished (any final status, retried or not). `seq` numbers
 * these in this process, across instances.
 */
export interface RunActivity {
  type: 'queued' | 'running' | 'finished';
  execution: PluginExecutionEntity;
  seq: number;
}

const ACTIVITY = 'activity';
const PHASE_ACTIVITY = { q: 'queued', r: 'running', f: 'finished' } as const;

/**
 * In-process notifications about runs. `settled` fires once a chain of attempts is over (its final
 * row), keyed by the chain's first execution id; `changed` fires for each state change of one row, numbered
 * and kept a while in `log` for event-stream clients that reconnect. `activity` tells the streams that follow an
 * instance's runs (or every instance's) when a run is queued, starts or finishes.
 */
@Injectable()
export class ExecutionEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private closing = false;
  private activitySeq = 0;
  readonly log: RunEventLog;

  constructor(clock: Clock) {
    this.log = new RunEventLog(clock, (executionId) => this.emitter.listenerCount(`changed:${executionId}`) > 0);
  }

  /** At shutdown: callers waiting for a run stop waiting (the run resumes at the next boot). */
  close(): void {
    this.closing = true;
    this.emitter.emit('shutdown');
  }

  get closed(): boolean {
    return this.closing;
  }

  /** Calls `listener` once when the process starts shutting down, unless the returned function was called first. */
  onClose(listener: () => void): () => void {
    if (this.closing) {
      listener();
      return () => undefined;
    }
    this.emitter.once('shutdown', listener);
    return () => this.emitter.off('shutdown', listener);
  }

  settled(rootId: string, execution: PluginExecutionEntity): void {
    this.emitter.emit(`settled:${rootId}`, execution);
  }

  /** Resolves with the final execution of the chain that starts at `rootId`. Subscribe before enqueueing. */
  waitSettled(rootId: string): Promise<PluginExecutionEntity> {
    return new Promise((resolve) => this.emitter.once(`settled:${rootId}`, resolve));
  }

  /** Logs a change and tells the execution's watchers, unless it repeats a status the run already had. */
  changed(executionId: string, change: ExecutionChange): void {
    const logged = this.log.record(executionId, change);
    if (!logged) return;
    this.emitter.emit(`changed:${executionId}`, logged);
    if (change.type === 'status') this.announce(PHASE_ACTIVITY[phaseOf(change.execution)], change.execution);
  }

  /** A queued row was committed (started runs and finished ones are announced by `changed`). */
  queued(execution: PluginExecutionEntity): void {
    this.announce('queued', execution);
  }

  /** Calls `listener` for each run of `instanceId` (every instance's for null) queued, started or finished, until the returned function is called. */
  onActivity(instanceId: string | null, listener: (activity: RunActivity) => void): () => void {
    const name = instanceId === null ? ACTIVITY : `${ACTIVITY}:${instanceId}`;
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  /** How many streams follow `instanceId`'s runs (every instance's for null). */
  activityListeners(instanceId: string | null): number {
    return this.emitter.listenerCount(instanceId === null ? ACTIVITY : `${ACTIVITY}:${instanceId}`);
  }

  /** Streams that follow runs are held open until shutdown: how many wait for it (each removes its listener when it ends). */
  closeListeners(): number {
    return this.emitter.listenerCount('shutdown');
  }

  private announce(type: RunActivity['type'], execution: PluginExecutionEntity): void {
    const activity: RunActivity = { type, execution, seq: ++this.activitySeq };
    this.emitter.emit(`${ACTIVITY}:${execution.instance_id}`, activity);
    this.emitter.emit(ACTIVITY, activity);
  }

  /** Calls `listener` on every change of one execution until the returned function is called. */
  onChange(executionId: string, listener: (change: LoggedChange) => void): () => void {
    this.emitter.on(`changed:${executionId}`, listener);
    return () => this.emitter.off(`changed:${executionId}`, listener);
  }
}
