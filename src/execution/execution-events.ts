import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { ExecutionProgress } from '../sdk/types';
import { PluginExecutionEntity } from './plugin-execution.entity';

/** What a watcher of one execution hears: its row after each state change, and progress in between. */
export type ExecutionChange = { type: 'status'; execution: PluginExecutionEntity } | { type: 'progress'; progress: ExecutionProgress };

/**
 * In-process notifications about runs. `settled` fires once a chain of attempts is over (its final
 * row), keyed by the chain's first execution id; `changed` fires for each state change of one row.
 */
@Injectable()
export class ExecutionEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private closing = false;

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

  changed(executionId: string, change: ExecutionChange): void {
    this.emitter.emit(`changed:${executionId}`, change);
  }

  /** Calls `listener` on every change of one execution until the returned function is called. */
  onChange(executionId: string, listener: (change: ExecutionChange) => void): () => void {
    this.emitter.on(`changed:${executionId}`, listener);
    return () => this.emitter.off(`changed:${executionId}`, listener);
  }
}
