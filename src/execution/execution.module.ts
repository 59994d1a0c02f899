import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READER_CONNECTION } from '../database/database.options';
import { InstanceActivity } from '../instances/instance-activity';
import { InstancesModule } from '../instances/instances.module';
import { ExecutionEvents } from './execution-events';
import { ExecutionOrchestrator } from './execution-orchestrator';
import { ExecutionQueue, InProcessExecutionQueue } from './execution-queue';
import { ExecutionRecorder } from './execution-recorder';
import { ExecutionRunner } from './execution-runner';
import { ExecutionScheduler } from './execution-scheduler';
import { ExecutionRepository } from './execution.repository';
import { ExecutionService } from './execution.service';
import { ExecutionsController } from './executions.controller';
import { HistoryCounts } from './history-counts';
import { PluginExecutionEntity, PluginExecutionLogEntity } from './plugin-execution.entity';
import { RunActivityController } from './run-activity.controller';
import { RunActivityService } from './run-activity.service';
import { RunRegistry } from './run-registry';
import { SchedulerFigures } from './scheduler-figures';
import { UpstreamTrigger } from './upstream-trigger';

/**
 * The run engine, by role: ExecutionService (admission, get/list/cancel/watch), RunRegistry (runs in flight
 * here), ExecutionOrchestrator (claims queued work, boot recovery, shutdown), ExecutionRunner (handler, ctx,
 * logs, timeouts), ExecutionRecorder (finish, retries, retention), ExecutionScheduler (schedule slots by the
 * Clock, its tick figures in SchedulerFigures for /health), UpstreamTrigger (dependents' runs when their
 * upstreams succeed), ExecutionEvents (changes of runs, kept a while in its RunEventLog for event streams that
 * resume), RunActivityService (the streams of an instance's runs, or every run, as they are queued, start and finish); ExecutionRepository alone writes `plugin_executions`. Global only so that the instances module below it can reach InstanceActivity, which
 * this module binds, without importing upwards.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([PluginExecutionEntity, PluginExecutionLogEntity]), TypeOrmModule.forFeature([PluginExecutionEntity, PluginExecutionLogEntity], READER_CONNECTION), InstancesModule],
  controllers: [ExecutionsController, RunActivityController],
  providers: [
    ExecutionService,
    ExecutionRepository,
    RunRegistry,
    HistoryCounts,
    ExecutionOrchestrator,
    ExecutionRunner,
    ExecutionRecorder,
    ExecutionScheduler,
    SchedulerFigures,
    UpstreamTrigger,
    ExecutionEvents,
    RunActivityService,
    { provide: ExecutionQueue, useClass: InProcessExecutionQueue },
    { provide: InstanceActivity, useExisting: ExecutionRepository },
  ],
  exports: [ExecutionService, InstanceActivity, SchedulerFigures],
})
export class ExecutionModule {}
