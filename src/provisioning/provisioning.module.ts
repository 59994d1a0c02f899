import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { ProvisioningApplier } from './provisioning-applier';
import { ProvisioningController } from './provisioning.controller';
import { ProvisioningService } from './provisioning.service';

/**
 * Provisioning from files (PROVISIONING_PATH). Sits above instances: it reads and checks the files, and writes
 * through the instances module's ProvisionedInstancesService; nothing imports it.
 */
@Module({
  imports: [InstancesModule],
  controllers: [ProvisioningController],
  providers: [ProvisioningService, ProvisioningApplier],
})
export class ProvisioningModule {}
