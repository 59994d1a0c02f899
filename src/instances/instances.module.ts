import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READER_CONNECTION } from '../database/database.options';
import { TemplateUsage } from '../templates/template-usage';
import { InstanceRepository } from './instance.repository';
import { InstancesController } from './instances.controller';
import { InstancesService } from './instances.service';
import { DependencyRepository } from './dependency.repository';
import { InstanceDependenciesService } from './instance-dependencies.service';
import { PluginInstanceDependencyEntity, PluginInstanceEntity } from './plugin-instance.entity';
import { GraphController } from './graph.controller';
import { ScheduleController } from './schedule.controller';
import { ScheduleViewService } from './schedule-view.service';

/**
 * Owns `plugin_instances` (InstanceRepository alone writes its SQL) and `plugin_instance_dependencies`
 * (DependencyRepository). Global only so that the templates module below it can reach TemplateUsage, which
 * this module binds, without importing upwards.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([PluginInstanceEntity, PluginInstanceDependencyEntity]), TypeOrmModule.forFeature([PluginInstanceEntity, PluginInstanceDependencyEntity], READER_CONNECTION)],
  controllers: [InstancesController, ScheduleController, GraphController],
  providers: [InstancesService, InstanceRepository, InstanceDependenciesService, DependencyRepository, ScheduleViewService, { provide: TemplateUsage, useExisting: InstanceRepository }],
  exports: [InstancesService, InstanceDependenciesService, TemplateUsage],
})
export class InstancesModule {}
