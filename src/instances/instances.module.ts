import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READER_CONNECTION } from '../database/database.options';
import { InstanceConfigCheck } from '../templates/instance-config-check';
import { TemplateUsage } from '../templates/template-usage';
import { ConfigReplacement } from './config-replacement';
import { InstanceRepository } from './instance.repository';
import { InstancesController } from './instances.controller';
import { InstancesService } from './instances.service';
import { DependencyRepository } from './dependency.repository';
import { InstanceDependenciesService } from './instance-dependencies.service';
import { PluginInstanceDependencyEntity, PluginInstanceEntity } from './plugin-instance.entity';
import { GraphController } from './graph.controller';
import { InstanceHistoryController } from './instance-history.controller';
import { InstanceHistoryService } from './instance-history.service';
import { PluginInstanceVersionEntity } from './plugin-instance-version.entity';
import { VersionRepository } from './version.repository';
import { ScheduleController } from './schedule.controller';
import { ScheduleViewService } from './schedule-view.service';
import { ConfigMigrationService } from './config-migration.service';
import { ProvisionedInstancesService } from './provisioned-instances.service';
import { StoredSecretsSweep } from './stored-secrets.sweep';

/**
 * Owns `plugin_instances` (InstanceRepository alone writes its SQL), `plugin_instance_dependencies`
 * (DependencyRepository) and `plugin_instance_versions` (VersionRepository). Global only so that the templates module below it can reach TemplateUsage and InstanceConfigCheck, which
 * this module binds, without importing upwards.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([PluginInstanceEntity, PluginInstanceDependencyEntity, PluginInstanceVersionEntity]),
    TypeOrmModule.forFeature([PluginInstanceEntity, PluginInstanceDependencyEntity, PluginInstanceVersionEntity], READER_CONNECTION),
  ],
  controllers: [InstancesController, ScheduleController, GraphController, InstanceHistoryController],
  providers: [InstancesService, ConfigMigrationService, InstanceRepository, InstanceDependenciesService, DependencyRepository, InstanceHistoryService, VersionRepository, ScheduleViewService, ProvisionedInstancesService, StoredSecretsSweep, ConfigReplacement, { provide: TemplateUsage, useExisting: InstanceRepository }, { provide: InstanceConfigCheck, useExisting: ConfigReplacement }],
  exports: [InstancesService, InstanceDependenciesService, InstanceHistoryService, ConfigMigrationService, ProvisionedInstancesService, TemplateUsage, InstanceConfigCheck],
})
export class InstancesModule {}
