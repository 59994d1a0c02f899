import { setTimeout as delay } from 'node:timers/promises';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { nowEpochSeconds } from '../common/time';
import { Settings } from '../config/settings';
import { TransactionService } from '../database/transaction.service';
import { InstancesService } from '../instances/instances.service';
import { ExecutionEvents } from './execution-events';
import { ExecutionQueue } from './execution-queue';
import { ExecutionRecorder } from './execution-recorder';
import { ExecutionRunner } from './execution-runner';
import { ExecutionRepository } from './execution.repository';
import { RunOutcome } from './run-outcome';
import { RunRegistry } from './run-registry';

/**
 * Where runs come from and how they stop in this process: the queue's worker claims queued rows and runs
 * them, the boot recovers what a previous process left, shutdown stops what is running. The piece a
 * distributed worker replaces.
 */
@Injectable()
export class ExecutionOrchestrator implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutionOrchestrator.name);

  constructor(
    private readonly executions: ExecutionRepository,
    private readonly instances: InstancesService,
    private readonly transactions: TransactionService,
    private readonly queue: ExecutionQueue,
    private readonly events: ExecutionEvents,
    private readonly registry: RunRegistry,
    private readonly runner: ExecutionRunner,
    private readonly recorder: ExecutionRecorder,
    private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    this.queue.process((executionId) => this.runQueued(executionId));
  }

  /** Crash recovery: runs a dead process left running are interrupted (and retried if attempts remain); queued ones are queued again. */
  async onApplicationBootstrap(): Promise<void> {
    const stale = await this.executions.findUnfinished();
    let interrupted = 0;
    for (const execution of stale) {
      if (execution.status === 'running') {
        interrupted++;
        await this.recorder.finish(execution.id, { status: 'interrupted', result: null, error: { type: 'interrupted', message: 'the server stopped while this run was in progress' } }, null, true);
      } else {
        this.queue.enqueue(execution.id, execution.not_before);
      }
    }
    if (stale.length > 0) this.logger.warn(`recovered ${interrupted} interrupted and ${stale.length - interrupted} queued run(s) left by a previous process`);
  }

  /** On shutdown: stop taking runs, give running handlers the grace period, then record them as interrupted. */
  async beforeApplicationShutdown(): Promise<void> {
    this.registry.beginShutdown();
    this.queue.close();
    // Callers waiting on queued runs (or retries in backoff) get the run as it is; it resumes at the next boot.
    this.events.close();
    await new Promise((resolve) => setImmediate(resolve));
    await this.registry.settlePending();
    const running = this.registry.runs();
    if (running.length === 0) return;
    this.logger.warn(`shutting down with ${running.length} run(s) in progress; waiting up to ${this.settings.shutdownGraceMs} ms`);
    const recorded = () => Promise.allSettled(this.registry.runs().map(({ recorded }) => recorded));
    await Promise.race([recorded(), delay(this.settings.shutdownGraceMs)]);
    for (const run of this.registry.runs()) {
      const outcome: RunOutcome = { status: 'interrupted', result: null, error: { type: 'interrupted', message: 'the server shut down before the run finished' } };
      run.stopOutcome = outcome;
      run.controller.abort(new Error('server shutting down'));
      run.abandon(outcome);
    }
    await recorded();
  }

  /** The queue's worker: claims a queued row, runs it, records the outcome. */
  private async runQueued(executionId: string): Promise<void> {
    const claimed = await this.transactions.run(
      async (manager) => {
        const execution = await this.executions.findInTransaction(manager, executionId);
        if (!execution || execution.status !== 'queued') return null;
        const current = await this.instances.findInTransaction(manager, execution.instance_id);
        if (!current) return null;
        // A run of a past version (and its retries) runs that version's config.
        const instance = execution.pinned_version === null ? current : await this.instances.atVersion(manager, current, execution.pinned_version);
        const configVersion = instance?.version ?? execution.config_version;
        const startedAt = nowEpochSeconds();
        if (!(await this.executions.claim(manager, executionId, startedAt, configVersion))) return null;
        Object.assign(execution, { status: 'running', started_at: startedAt, config_version: configVersion });
        return { execution, instance };
      },
      { singleWrite: true },
    );
    if (!claimed) return;
    if (!claimed.instance) {
      const message = `version ${claimed.execution.pinned_version} of the instance is no longer kept (INSTANCE_HISTORY_LIMIT), so it cannot run`;
      await this.recorder.finish(claimed.execution.id, { status: 'failed', result: null, error: { type: 'config_invalid', message } }, null, false);
      return;
    }
    this.events.changed(claimed.execution.id, { type: 'status', execution: claimed.execution });
    await this.runner.start(claimed.execution, claimed.instance);
  }
}
