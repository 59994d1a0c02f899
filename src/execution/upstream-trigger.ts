import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TransactionService } from '../database/transaction.service';
import { InstanceDependenciesService, ReadyDependent } from '../instances/instance-dependencies.service';
import { TemplateRegistryService } from '../templates/template-registry.service';
import { ExecutionEvents } from './execution-events';
import { ExecutionQueue } from './execution-queue';
import { ExecutionRepository } from './execution.repository';
import { HistoryCounts } from './history-counts';
import { PluginExecutionEntity } from './plugin-execution.entity';

/**
 * Starts dependents when their upstreams succeed. A successful run's final attempt, in the transaction that
 * records it, counts toward each dependent's join; a dependent whose every upstream has succeeded since its
 * last upstream-triggered run gets a queued run with `trigger {type: "upstream", execution_ids}`, in the same
 * transaction (so a crash cannot lose it), and its join starts over. A failure counts for nothing.
 * A dependent that cannot take the run then (a run of it is unfinished, it is disabled, its template is not
 * loaded, its config could not be migrated) keeps its complete join: the scheduler's tick calls `startOwed`, which starts it once it can.
 */
@Injectable()
export class UpstreamTrigger {
  private readonly logger = new Logger(UpstreamTrigger.name);

  constructor(
    private readonly executions: ExecutionRepository,
    private readonly dependencies: InstanceDependenciesService,
    private readonly templates: TemplateRegistryService,
    private readonly transactions: TransactionService,
    private readonly queue: ExecutionQueue,
    private readonly historyCounts: HistoryCounts,
    private readonly events: ExecutionEvents,
  ) {}

  /** In the transaction recording `execution`'s success: the dependents' runs it started (enqueue them once committed). */
  async upstreamSucceeded(manager: EntityManager, execution: PluginExecutionEntity, finishedAt: number): Promise<PluginExecutionEntity[]> {
    const ready = await this.dependencies.upstreamSucceeded(manager, execution.instance_id, execution.id, finishedAt);
    const started: PluginExecutionEntity[] = [];
    for (const dependent of ready) {
      const run = await this.admit(manager, dependent);
      if (run) started.push(run);
    }
    return started;
  }

  /** Once their rows are committed: announces and enqueues them. */
  enqueue(runs: PluginExecutionEntity[]): void {
    for (const run of runs) {
      this.events.queued(run);
      this.queue.enqueue(run.id);
    }
  }

  /** Starts the runs owed to dependents whose join completed while they could not run; the runs started. */
  async startOwed(): Promise<PluginExecutionEntity[]> {
    const started: PluginExecutionEntity[] = [];
    for (const dependentId of await this.dependencies.completeJoins()) {
      try {
        const run = await this.transactions.run(async (manager) => {
          const ready = await this.dependencies.ready(manager, dependentId);
          return ready ? this.admit(manager, ready) : null;
        });
        if (run) started.push(run);
      } catch (error) {
        this.historyCounts.forget(dependentId);
        this.logger.error(`the upstream-triggered run of instance ${dependentId} failed to start: ${(error as Error).message}`);
      }
    }
    this.enqueue(started);
    return started;
  }

  /** Inserts the dependent's queued run unless it cannot run now; its join starts over once the run is in. */
  private async admit(manager: EntityManager, { instance, executionIds }: ReadyDependent): Promise<PluginExecutionEntity | null> {
    // Its join stays complete: it runs once it can (enabled, its template loaded, its config fixed).
    if (!instance.enabled || instance.config_error || !this.templates.get(instance.template_id)) return null;
    const run = this.executions.newAttempt(instance, {
      trigger: { type: 'upstream', execution_ids: executionIds },
      attempt: 1,
      retryOf: null,
      idempotencyKey: null,
      notBefore: null,
      triggeredBy: null,
      running: false,
    });
    // A run of it unfinished: the index leaves this one out, and the join stays complete for later.
    if (!(await this.executions.insertUnlessBusy(manager, run))) return null;
    await this.dependencies.consume(manager, instance.id);
    this.historyCounts.added(instance.id);
    return run;
  }
}
