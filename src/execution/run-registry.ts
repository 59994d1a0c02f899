import { Injectable } from '@nestjs/common';
import { PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { ExecutionProgress } from '../sdk/types';
import { SecretScrubber } from '../secrets/secret-scrubber';
import { RunOutcome } from './run-outcome';

/** A run this process is executing: how to stop it, and what it reported. */
export interface InFlightRun {
  controller: AbortController;
  latestProgress: ExecutionProgress | null;
  /** Set when the run was told to stop (cancel, timeout, shutdown): the outcome it ends with. */
  stopOutcome: RunOutcome | null;
  /** Ends the wait for a handler that ignores its signal. */
  abandon(outcome: RunOutcome): void;
  timers: NodeJS.Timeout[];
  /** Set once the outcome is decided: later log lines and progress are ignored. */
  closed: boolean;
  logs: { at: number; level: string; message: string }[];
  logCount: number;
  /** Settles once the outcome is recorded. */
  recorded: Promise<unknown>;
  /** Masks the instance's secret values in everything the run reports: result, error, logs, progress. */
  scrub: SecretScrubber;
}

/** Instances remembered for starting runs without reading them first (see ExecutionService.startKnown). */
const RUNNABLE_CACHE_SIZE = 10_000;

/**
 * What this process holds of the engine's state, in memory: the runs it is executing, the work it must
 * let finish before the database closes, whether it is shutting down, and the instances it may start
 * runs of in one statement. Everything durable is in the database.
 */
@Injectable()
export class RunRegistry {
  private readonly inFlight = new Map<string, InFlightRun>();
  /** Runs being inserted as running that start once committed, and lookups answering waiting callers at shutdown. */
  private readonly pending = new Set<Promise<unknown>>();
  /** Instances as of the version they were read at (runs do not move it; any change of the definition does). */
  private readonly runnable = new Map<string, { instance: PluginInstanceEntity; version: number }>();
  private closing = false;

  get shuttingDown(): boolean {
    return this.closing;
  }

  beginShutdown(): void {
    this.closing = true;
  }

  add(executionId: string, run: InFlightRun): void {
    this.inFlight.set(executionId, run);
  }

  get(executionId: string): InFlightRun | undefined {
    return this.inFlight.get(executionId);
  }

  has(executionId: string): boolean {
    return this.inFlight.has(executionId);
  }

  remove(executionId: string): void {
    this.inFlight.delete(executionId);
  }

  runs(): InFlightRun[] {
    return [...this.inFlight.values()];
  }

  /** Work that shutdown waits for before stopping runs (it settles either way). */
  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    return work.finally(() => this.pending.delete(work));
  }

  async settlePending(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /** An instance remembered at `version`, if any. */
  runnableAt(instanceId: string): { instance: PluginInstanceEntity; version: number } | undefined {
    return this.runnable.get(instanceId);
  }

  /** Remembers an instance at `version`, the oldest forgotten past RUNNABLE_CACHE_SIZE. */
  rememberRunnable(instance: PluginInstanceEntity, version: number): void {
    this.runnable.delete(instance.id);
    this.runnable.set(instance.id, { instance, version });
    if (this.runnable.size > RUNNABLE_CACHE_SIZE) this.runnable.delete(this.runnable.keys().next().value!);
  }

  forgetRunnable(instanceId: string): void {
    this.runnable.delete(instanceId);
  }
}
