import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExecutionModule } from '../execution/execution.module';
import { InstancesModule } from '../instances/instances.module';
import { HooksController } from './hooks.controller';
import { PluginWebhookEntity } from './webhook.entity';
import { WebhookRepository } from './webhook.repository';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks of instances: their management API and the public delivery route. Sits above execution (a delivery
 * starts a run through ExecutionService); nothing below imports it. WebhookRepository alone writes
 * `plugin_webhooks`; an instance's webhooks go with it by ON DELETE CASCADE.
 */
@Module({
  imports: [TypeOrmModule.forFeature([PluginWebhookEntity]), ExecutionModule, InstancesModule],
  controllers: [WebhooksController, HooksController],
  providers: [WebhooksService, WebhookRepository],
})
export class WebhooksModule {}
