import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { PluginExecutionEntity } from './plugin-execution.entity';
import { ExecutionChange, LoggedChange, RunEventLog } from './run-event-log';

export type { ExecutionChange, LoggedChange } from './run-event-log';

/**
 * In-process notifications about runs. `settled` fires once a chain of attempts is over (its final
 * row), keyed by the chain's first execution id; `changed` fires for each state change of one row, numbered
 * and kept a while in `log` for event-stream clients that reconnect.
 */
@Injectable()
export class ExecutionEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private closing = false;
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

  /** Resolves when the process starts shutting down. */
  whenClosed(): Promise<void> {
    return this.closing ? Promise.resolve() : new Promise((resolve) => this.emitter.once('shutdown', () => resolve()));
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
    if (logged) this.emitter.emit(`changed:${executionId}`, logged);
  }

  /** Calls `listener` on every change of one execution until the returned function is called. */
  onChange(executionId: string, listener: (change: LoggedChange) => void): () => void {
    this.emitter.on(`changed:${executionId}`, listener);
    return () => this.emitter.off(`changed:${executionId}`, listener);
  }
}
