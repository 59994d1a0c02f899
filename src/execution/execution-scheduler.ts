import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { ConflictError, DomainError } from '../common/domain-errors';
import { epochSecondsToIso } from '../common/time';
import { Settings } from '../config/settings';
import { InstancesService } from '../instances/instances.service';
import { PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { EMPTY_SCHEDULE_STATE, ScheduleState, ScheduleTimes, SkipReason } from '../instances/schedule';
import { ExecutionService, SlotAlreadyFiredError } from './execution.service';
import { RunRegistry } from './run-registry';
import { SchedulerFigures } from './scheduler-figures';
import { UpstreamTrigger } from './upstream-trigger';

/** Instances handled per database round of a tick; a tick keeps going while rounds come back full. */
const TICK_BATCH = 500;
/** Due instances handled at once within a round. */
const TICK_CONCURRENCY = 32;

/** The scheduler starts runs as nobody in particular (triggered_by null). */
const SCHEDULER_PRINCIPAL: Principal = Object.freeze({ keyId: null, keyName: 'scheduler', scopes: [], via: 'auth-none' as const });

/** What one tick did, for tests; SchedulerFigures keeps the counts for GET /health. */
export interface TickReport {
  /** Instances whose next slot had come (fired, skipped, rescheduled, or waiting for their catch-up offset). */
  due: number;
  fired: { instance_id: string; execution_id: string; scheduled_for: string }[];
  skipped: { instance_id: string; scheduled_for: string; reason: SkipReason }[];
  /** Runs owed to dependents whose upstreams all succeeded while they could not run, started by this tick. */
  upstream: { instance_id: string; execution_id: string }[];
}

/** A fixed offset per instance within [0, spreadMs): catch-up runs after downtime start spread out, the same way on every boot. */
export function catchUpOffsetMs(instanceId: string, spreadMs: number): number {
  if (spreadMs <= 0) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < instanceId.length; i++) hash = Math.imul(hash ^ instanceId.charCodeAt(i), 0x01000193) >>> 0;
  return hash % spreadMs;
}

/**
 * Fires schedule slots. A tick (every SCHEDULER_TICK_MS) asks the Clock what is due: instances whose
 * `next_run_at` has come. Each due slot becomes a queued run through ExecutionService's admission, with
 * `trigger {type: "schedule", scheduled_for}` and the slot in `scheduled_for`, whose unique index lets each
 * slot run once however many processes tick. A slot that finds a run queued or running is skipped and
 * counted (never piled up). Slots that passed before this process started are downtime: counted in
 * `missed`, and with `catch_up: "once"` the latest of them runs, at a per-instance offset within
 * SCHEDULER_CATCH_UP_SPREAD_MS after boot. Nothing here reads the system time: only the Clock decides.
 * Each tick also starts the runs owed to dependents (see UpstreamTrigger.startOwed).
 * Each tick's duration (measured with performance.now(), never used to decide) and counts go to
 * SchedulerFigures, which GET /health shows.
 */
@Injectable()
export class ExecutionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExecutionScheduler.name);
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<unknown> = Promise.resolve();
  private tickInProgress = false;
  private stopped = false;
  /** When this process started scheduling (epoch seconds): slots before it were missed while down. */
  private bootAt = 0;

  constructor(
    private readonly instances: InstancesService,
    private readonly executions: ExecutionService,
    private readonly registry: RunRegistry,
    private readonly clock: Clock,
    private readonly settings: Settings,
    private readonly figures: SchedulerFigures,
    private readonly upstream: UpstreamTrigger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.bootAt = this.clock.nowSeconds();
    await this.planUnplanned();
    this.timer = setInterval(() => {
      // A tick slower than the interval is not queued behind: the next one finds whatever came due meanwhile.
      if (this.tickInProgress) {
        this.figures.recordOverrun();
        return;
      }
      this.tick().catch((error: Error) => this.logger.error(`scheduler tick failed: ${error.stack ?? error.message}`));
    }, this.settings.schedulerTickMs);
    this.timer.unref();
  }

  /** Stops before any shutdown hook closes the queue (module destruction comes first), after the tick in progress. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking.catch(() => undefined);
  }

  /** Fires what is due by the clock now. Ticks never overlap: a call waits for the one in progress (the timer skips instead). */
  tick(): Promise<TickReport> {
    const run = this.ticking.catch(() => undefined).then(() => this.measuredTick());
    this.ticking = run;
    return run;
  }

  /** A schedule without a next slot although it should have one (written before this version, or by hand) gets one. */
  private async planUnplanned(): Promise<void> {
    for (const instance of await this.instances.findScheduledWithoutNextRun()) {
      const next = this.instances.nextRunOf(instance, this.bootAt);
      if (next !== null) await this.instances.saveScheduleProgress(instance.id, null, next, { ...EMPTY_SCHEDULE_STATE, ...instance.schedule_state });
    }
  }

  private async measuredTick(): Promise<TickReport> {
    const now = this.clock.nowSeconds();
    const started = performance.now();
    this.tickInProgress = true;
    try {
      const report = await this.runTick(now);
      this.figures.recordTick(now, performance.now() - started, { due: report.due, fired: report.fired.length, skipped: report.skipped.length });
      return report;
    } catch (error) {
      this.figures.recordFailure();
      throw error;
    } finally {
      this.tickInProgress = false;
    }
  }

  private async runTick(now: number): Promise<TickReport> {
    const report: TickReport = { due: 0, fired: [], skipped: [], upstream: [] };
    await this.fireDueSlots(now, report);
    if (this.stopped || this.registry.shuttingDown) return report;
    for (const run of await this.upstream.startOwed()) report.upstream.push({ instance_id: run.instance_id, execution_id: run.id });
    return report;
  }

  /**
   * Handles the instances whose slot has come, TICK_CONCURRENCY at a time: each waits mostly for its writes,
   * and writes that wait together are committed together (one fsync for many on SQLite).
   */
  private async fireDueSlots(now: number, report: TickReport): Promise<void> {
    // Instances seen in this tick (handled, or waiting for their catch-up offset) are not looked at again.
    const seen = new Set<string>();
    for (;;) {
      if (this.stopped || this.registry.shuttingDown) return;
      const due = (await this.instances.findDueForSchedule(now, TICK_BATCH + seen.size)).filter((instance) => !seen.has(instance.id));
      let next = 0;
      const worker = async () => {
        while (next < due.length && !this.stopped && !this.registry.shuttingDown) {
          const instance = due[next++];
          seen.add(instance.id);
          report.due++;
          await this.handle(instance, now, report);
        }
      };
      await Promise.all(Array.from({ length: Math.min(TICK_CONCURRENCY, due.length) }, worker));
      if (due.length < TICK_BATCH) return;
    }
  }

  /** Handles one due instance; it waits (nothing happens) while its catch-up offset after boot has not come. */
  private async handle(instance: PluginInstanceEntity, now: number, report: TickReport): Promise<void> {
    const handled = instance.next_run_at!;
    const schedule = instance.schedule;
    const state: ScheduleState = { ...EMPTY_SCHEDULE_STATE, ...instance.schedule_state };
    if (!schedule || !schedule.enabled || !instance.enabled) {
      await this.instances.saveScheduleProgress(instance.id, handled, null, state);
      return;
    }
    const times = ScheduleTimes.of(schedule);
    const downtime = handled < this.bootAt ? times.slotsBetween(handled, Math.min(now, this.bootAt - 0.001), 2) : { slots: [], total: 0 };
    const regular = times.slotsBetween(Math.max(handled, this.bootAt), now, 1);
    if (downtime.total > 0 && regular.total === 0 && now * 1000 < this.bootAt * 1000 + catchUpOffsetMs(instance.id, this.settings.schedulerCatchUpSpreadMs)) return;

    // Slots that passed unfired: downtime, and any a late tick stepped over.
    state.missed += downtime.total + Math.max(0, regular.total - 1);
    let fire: number | null = null;
    let catchUp = false;
    if (regular.total > 0) fire = regular.slots[regular.slots.length - 1];
    else if (downtime.total > 0 && schedule.catch_up === 'once') {
      fire = downtime.slots[downtime.slots.length - 1];
      catchUp = true;
    }
    const lastDowntime = downtime.slots.filter((slot) => slot !== fire || !catchUp).pop();
    if (lastDowntime !== undefined) this.skip(state, report, instance.id, lastDowntime, 'downtime');

    const next = times.nextAfter(now);
    if (fire !== null) {
      try {
        const scheduledFor = epochSecondsToIso(fire);
        // The run and the bookkeeping that says its slot fired commit together.
        const fired: ScheduleState = { ...state, last_fired_for: scheduledFor };
        const execution = await this.executions.execute(instance.id, { type: 'schedule', scheduled_for: scheduledFor }, {
          async: true,
          principal: SCHEDULER_PRINCIPAL,
          scheduledFor: fire,
          alsoInTransaction: (manager) => this.instances.saveScheduleProgress(instance.id, handled, next, fired, manager),
        });
        report.fired.push({ instance_id: instance.id, execution_id: execution.id, scheduled_for: scheduledFor });
        return;
      } catch (error) {
        // Another process (or an earlier tick of this one) fired the slot: it keeps the books.
        if (error instanceof SlotAlreadyFiredError) return;
        if (error instanceof ConflictError && error.type === 'execution-in-progress') {
          state.skipped_overlap++;
          this.skip(state, report, instance.id, fire, 'overlap');
        } else if (error instanceof DomainError && error.type !== 'service-unavailable' && error.type !== 'instance-not-found') {
          this.skip(state, report, instance.id, fire, 'refused');
        } else {
          if (!(error instanceof DomainError)) this.logger.error(`instance ${instance.id}: slot ${epochSecondsToIso(fire)} failed to start: ${(error as Error).message}`);
          return;
        }
      }
    }
    await this.instances.saveScheduleProgress(instance.id, handled, next, state);
  }

  private skip(state: ScheduleState, report: TickReport, instanceId: string, slot: number, reason: SkipReason): void {
    state.last_skip = { scheduled_for: epochSecondsToIso(slot), reason };
    report.skipped.push({ instance_id: instanceId, scheduled_for: state.last_skip.scheduled_for, reason });
  }
}
