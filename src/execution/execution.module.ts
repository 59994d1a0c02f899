import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InstancesModule } from '../instances/instances.module';
import { ExecutionEvents } from './execution-events';
import { ExecutionQueue, InProcessExecutionQueue } from './execution-queue';
import { ExecutionService } from './execution.service';
import { ExecutionsController } from './executions.controller';
import { PluginExecutionEntity, PluginExecutionLogEntity } from './plugin-execution.entity';

@Module({
  imports: [TypeOrmModule.forFeature([PluginExecutionEntity, PluginExecutionLogEntity]), InstancesModule],
  controllers: [ExecutionsController],
  providers: [ExecutionService, ExecutionEvents, { provide: ExecutionQueue, useClass: InProcessExecutionQueue }],
  exports: [ExecutionService],
})
export class ExecutionModule {}
