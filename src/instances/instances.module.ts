import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READER_CONNECTION } from '../database/database.options';
import { TemplateUsage } from '../templates/template-usage';
import { InstanceRepository } from './instance.repository';
import { InstancesController } from './instances.controller';
import { InstancesService } from './instances.service';
import { PluginInstanceEntity } from './plugin-instance.entity';
import { ScheduleController } from './schedule.controller';
import { ScheduleViewService } from './schedule-view.service';

/**
 * Owns `plugin_instances` (InstanceRepository alone writes its SQL). Global only so that the templates
 * module below it can reach TemplateUsage, which this module binds, without importing upwards.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([PluginInstanceEntity]), TypeOrmModule.forFeature([PluginInstanceEntity], READER_CONNECTION)],
  controllers: [InstancesController, ScheduleController],
  providers: [InstancesService, InstanceRepository, ScheduleViewService, { provide: TemplateUsage, useExisting: InstanceRepository }],
  exports: [InstancesService, TemplateUsage],
})
export class InstancesModule {}
