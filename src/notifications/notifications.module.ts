import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RunOutcomeListener } from '../execution/run-outcome-listener';
import { NotificationChannelEntity } from './notification-channel.entity';
import { NotificationChannelRepository } from './notification-channel.repository';
import { NotificationChannelsController } from './notification-channels.controller';
import { NotificationChannelsService } from './notification-channels.service';
import { NotificationDispatcher } from './notification-dispatcher';
import { NotificationDeliveryEntity, NotificationOutboxEntity } from './notification-outbox.entity';
import { NotificationOutbox } from './notification-outbox';
import { NotificationOutboxRepository } from './notification-outbox.repository';
import { NotificationSender } from './notification-sender';

/**
 * Notification channels, the durable outbox and its dispatcher. Sits above execution: it binds execution's
 * RunOutcomeListener (the outbox), and imports nothing of it but that class and a type. Global only so that the
 * execution module below can reach the binding without importing upwards. NotificationChannelRepository and
 * NotificationOutboxRepository alone write `notification_channels`, `notification_outbox`, `notification_deliveries`.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([NotificationChannelEntity, NotificationOutboxEntity, NotificationDeliveryEntity])],
  controllers: [NotificationChannelsController],
  providers: [
    NotificationChannelsService,
    NotificationChannelRepository,
    NotificationOutboxRepository,
    NotificationOutbox,
    NotificationSender,
    NotificationDispatcher,
    { provide: RunOutcomeListener, useExisting: NotificationOutbox },
  ],
  exports: [RunOutcomeListener],
})
export class NotificationsModule {}
