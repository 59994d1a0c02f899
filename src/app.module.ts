import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './auth/access.guard';
import { AuthModule } from './auth/auth.module';
import { Clock } from './common/clock';
import { ClockModule } from './common/clock.module';
import { Settings } from './config/settings';
import { SettingsModule } from './config/settings.module';
import { DataStoreModule } from './data-store/data-store.module';
import { DatabaseModule } from './database/database.module';
import { ExecutionModule } from './execution/execution.module';
import { HealthModule } from './health/health.module';
import { InstancesModule } from './instances/instances.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OutboundHttpModule } from './outbound-http/outbound-http.module';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { SecretsModule } from './secrets/secrets.module';
import { TemplatesModule } from './templates/templates.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** What a caller may bind instead of the defaults: tests pass a ManualClock. */
export interface AppOptions {
  clock?: Clock;
}

@Module({})
export class AppModule {
  /** Async because plugins are loaded from disk before the module graph is built. */
  static async forRoot(settings: Settings, options: AppOptions = {}): Promise<DynamicModule> {
    return {
      module: AppModule,
      imports: [SettingsModule.forRoot(settings), ClockModule.forRoot(options.clock), SecretsModule, DatabaseModule, DataStoreModule, OutboundHttpModule, await TemplatesModule.forRoot(settings), InstancesModule, ExecutionModule, WebhooksModule, NotificationsModule, ProvisioningModule, HealthModule, AuthModule],
      // Every route passes the access guard; it refuses routes that declare no access rule.
      providers: [{ provide: APP_GUARD, useClass: AccessGuard }],
    };
  }
}
