import { Injectable, Logger } from '@nestjs/common';
import { nowEpochSeconds } from '../common/time';
import { Settings } from '../config/settings';
import { TransactionService } from '../database/transaction.service';
import { ConfigMigrationFailure, ConfigMigrationService } from '../instances/config-migration.service';
import { executionPolicyOf, PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { ExecutionContext, ExecutionProgress, LogLevel } from '../sdk/types';
import { SecretScrubber } from '../secrets/secret-scrubber';
import { OpenedConfig, SecretsService, SecretUnreadableError } from '../secrets/secrets.service';
import { RegisteredTemplate, TemplateRegistryService } from '../templates/template-registry.service';
import { ExecutionEvents } from './execution-events';
import { ExecutionRecorder } from './execution-recorder';
import { ExecutionRepository } from './execution.repository';
import { PluginExecutionEntity } from './plugin-execution.entity';
import { classifyResult, RunOutcome } from './run-outcome';
import { InFlightRun, RunRegistry } from './run-registry';

const PROGRESS_WRITE_INTERVAL_MS = 1000;
const LOG_FLUSH_INTERVAL_MS = 250;
export const MAX_LOG_LINES = 10_000;
const MAX_LOG_MESSAGE = 8_000;

/**
 * Runs one claimed (running) execution: opens the config's secrets, calls the template's handler with its
 * context (signal, progress, logs), enforces the timeout and cancel grace, and hands the outcome to the
 * recorder. The run is in the registry from its first, synchronous step until its outcome is recorded.
 */
@Injectable()
export class ExecutionRunner {
  private readonly logger = new Logger(ExecutionRunner.name);

  constructor(
    private readonly registry: RunRegistry,
    private readonly recorder: ExecutionRecorder,
    private readonly executions: ExecutionRepository,
    private readonly templates: TemplateRegistryService,
    private readonly secrets: SecretsService,
    private readonly events: ExecutionEvents,
    private readonly transactions: TransactionService,
    private readonly settings: Settings,
    private readonly configMigrations: ConfigMigrationService,
  ) {}

  async start(execution: PluginExecutionEntity, instance: PluginInstanceEntity): Promise<void> {
    const template = this.templates.get(instance.template_id);

    let abandon: (outcome: RunOutcome) => void = () => undefined;
    const abandoned = new Promise<RunOutcome>((resolve) => (abandon = resolve));
    const run: InFlightRun = { controller: new AbortController(), latestProgress: null, stopOutcome: null, abandon, timers: [], closed: false, logs: [], logCount: 0, recorded: abandoned, scrub: SecretScrubber.NONE };
    this.registry.add(execution.id, run);
    const timeoutMs = executionPolicyOf(instance).timeout_ms ?? template?.timeoutMs ?? null;
    if (timeoutMs) {
      run.timers.push(
        setTimeout(() => {
          const error = { type: 'timeout', message: `the run exceeded its timeout of ${timeoutMs} ms` };
          this.stop(run, { status: 'timed_out', result: null, error }, Object.assign(new Error(error.message), { name: 'TimeoutError' }));
        }, timeoutMs),
      );
    }
    run.recorded = (async () => {
      let opened: OpenedConfig | null = null;
      let unreadable: Error | null = null;
      try {
        // Secrets are decrypted here, only to hand the config to the handler.
        opened = this.secrets.open(instance.id, instance.config);
        run.scrub = this.secrets.scrubberFor(opened, template?.configSchema.secrets ?? []);
      } catch (error) {
        unreadable = error instanceof SecretUnreadableError ? error : new Error(`the stored config cannot be read: ${(error as Error).message}`);
      }
      const handled = unreadable
        ? Promise.resolve<RunOutcome>({ status: 'failed', result: null, error: { type: 'config_invalid', message: unreadable.message } })
        : template
          ? this.runHandler(execution, instance, opened!, template, run)
          : Promise.resolve<RunOutcome>({ status: 'failed', result: null, error: { type: 'template_unavailable', message: `template '${instance.template_id}' is not loaded` } });
      let outcome: RunOutcome;
      try {
        outcome = await Promise.race([handled, abandoned]);
      } catch (error) {
        // A failure of the engine itself (not the handler) still ends the run, so nobody waits forever.
        outcome = { status: 'failed', result: null, error: { type: 'internal_error', message: `the run could not complete: ${(error as Error).message}` } };
      }
      run.closed = true;
      run.timers.forEach(clearTimeout);
      await this.flushLogs(execution.id, run).catch((error: Error) => this.logger.warn(`logs of ${execution.id} not stored: ${error.message}`));
      // A run told to stop ends as it was told, whatever the handler did after its signal aborted.
      return this.recorder.finish(execution.id, run.scrub.value(run.stopOutcome ?? outcome), run.latestProgress, !run.stopOutcome || run.stopOutcome.status === 'timed_out', execution);
    })();
    try {
      await run.recorded;
    } finally {
      this.registry.remove(execution.id);
    }
  }

  /** Aborts the handler's signal and gives it CANCEL_GRACE_MS to stop before the run is abandoned. */
  stop(run: InFlightRun, outcome: RunOutcome, reason: Error): void {
    if (run.stopOutcome) return;
    run.stopOutcome = outcome;
    run.controller.abort(reason);
    run.timers.push(setTimeout(() => run.abandon(outcome), this.settings.cancelGraceMs));
  }

  private async runHandler(execution: PluginExecutionEntity, instance: PluginInstanceEntity, opened: OpenedConfig, template: RegisteredTemplate, run: InFlightRun): Promise<RunOutcome> {
    let config: Record<string, unknown>;
    try {
      // A past version (execute?version=N) saved under an older template version runs migrated, as a rollback to it would be.
      config = await this.configMigrations.upgrade(template, opened, instance.template_version);
    } catch (error) {
      if (!(error instanceof ConfigMigrationFailure)) throw error;
      return { status: 'failed', result: null, error: { type: error.configError.type.replace(/-/g, '_'), message: error.message } };
    }
    const validation = await this.templates.validateConfig(template, config);
    if (!validation.valid) {
      return {
        status: 'failed',
        result: null,
        error: {
          type: 'config_invalid',
          message: `the stored config is no longer valid for template '${template.id}' ${template.version}: ${validation.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
          errors: validation.errors,
        },
      };
    }
    try {
      return classifyResult(await template.run(validation.config, this.contextFor(execution, instance, run)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { status: 'failed', result: null, error: { type: 'handler_error', message } };
    }
  }

  private contextFor(execution: PluginExecutionEntity, instance: PluginInstanceEntity, run: InFlightRun): ExecutionContext {
    const logger = new Logger(`run:${instance.template_id}`);
    let lastProgressWrite = 0;
    let flushTimer: NodeJS.Timeout | null = null;
    return {
      executionId: execution.id,
      instance: { id: instance.id, name: instance.name, template_id: instance.template_id },
      signal: run.controller.signal,
      trigger: execution.trigger,
      progress: (progress: ExecutionProgress) => {
        if (run.closed) return;
        const stored = run.scrub.value(sanitiseProgress(progress));
        run.latestProgress = stored;
        this.events.changed(execution.id, { type: 'progress', progress: stored });
        const now = Date.now();
        if (now - lastProgressWrite < PROGRESS_WRITE_INTERVAL_MS) return;
        lastProgressWrite = now;
        // Best effort: a lost progress update is superseded by the next one and by the final row.
        void this.transactions
          .run((manager) => this.executions.saveProgress(manager, execution.id, stored), { singleWrite: true })
          .catch((error: Error) => logger.warn(`progress not stored: ${error.message}`));
      },
      log: (level: LogLevel, message: string) => {
        const text = run.scrub.text(String(message));
        const line = `[${execution.id}] ${text}`;
        if (level === 'error') logger.error(line);
        else if (level === 'warn') logger.warn(line);
        else if (level === 'debug') logger.debug(line);
        else logger.log(line);
        if (run.closed || ++run.logCount > MAX_LOG_LINES) return;
        const storedLevel = ['debug', 'info', 'warn', 'error'].includes(level) ? level : 'info';
        run.logs.push({ at: nowEpochSeconds(), level: storedLevel, message: text.length > MAX_LOG_MESSAGE ? `${text.slice(0, MAX_LOG_MESSAGE)}…` : text });
        // Lines are written in small batches rather than one transaction each.
        flushTimer ??= setTimeout(() => {
          flushTimer = null;
          void this.flushLogs(execution.id, run).catch((error: Error) => logger.warn(`logs not stored: ${error.message}`));
        }, LOG_FLUSH_INTERVAL_MS);
      },
    };
  }

  private async flushLogs(executionId: string, run: InFlightRun): Promise<void> {
    if (run.logs.length === 0) return;
    const lines = run.logs.splice(0, run.logs.length);
    await this.transactions.run((manager) => this.executions.insertLogs(manager, executionId, lines), { singleWrite: true });
  }
}

function sanitiseProgress(progress: ExecutionProgress): ExecutionProgress {
  const current = Number(progress?.current);
  const total = progress?.total === undefined ? undefined : Number(progress.total);
  return {
    current: Number.isFinite(current) ? current : 0,
    ...(total !== undefined && Number.isFinite(total) ? { total } : {}),
    ...(typeof progress?.message === 'string' ? { message: progress.message.slice(0, 500) } : {}),
  };
}
