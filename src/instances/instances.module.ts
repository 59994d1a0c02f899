import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InstancesController } from './instances.controller';
import { InstancesService } from './instances.service';
import { PluginInstanceEntity } from './plugin-instance.entity';

@Module({
  imports: [TypeOrmModule.forFeature([PluginInstanceEntity])],
  controllers: [InstancesController],
  providers: [InstancesService],
  exports: [InstancesService],
})
export class InstancesModule {}
