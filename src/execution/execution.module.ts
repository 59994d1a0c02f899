import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InstancesModule } from '../instances/instances.module';
import { ExecutionService } from './execution.service';
import { ExecutionsController } from './executions.controller';
import { PluginExecutionEntity } from './plugin-execution.entity';

@Module({
  imports: [TypeOrmModule.forFeature([PluginExecutionEntity]), InstancesModule],
  controllers: [ExecutionsController],
  providers: [ExecutionService],
  exports: [ExecutionService],
})
export class ExecutionModule {}
