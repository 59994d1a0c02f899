import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ConflictError, NotFoundError, ValidationFailedError } from '../common/domain-errors';
import { isUniqueViolation } from '../database/unique-violation';
import { SecretsService } from '../secrets/secrets.service';
import { checkChannelConfig } from './channel-config';
import { ChannelEvent, ChannelType, NotificationChannelEntity, StoredChannelConfig } from './notification-channel.entity';
import { NotificationChannelRepository } from './notification-channel.repository';
import { NotificationDeliveryEntity } from './notification-outbox.entity';
import { NotificationOutbox } from './notification-outbox';
import { NotificationOutboxRepository } from './notification-outbox.repository';
import { NotificationSender, SendResult } from './notification-sender';

export interface ChannelRequest {
  name: string;
  type: ChannelType;
  config: Record<string, unknown>;
  events: ChannelEvent[];
  instance_ids?: string[];
  template_ids?: string[];
  enabled?: boolean;
}

/** Sealed under the channel's id, so a sealed value cannot be moved to another channel. */
export const channelSecretAad = (channelId: string) => `pif-notification-channel:${channelId}`;

/** Notification channels: create (config checked per type, secrets sealed), list, get, delete, test-send; the delivery log. */
@Injectable()
export class NotificationChannelsService {
  constructor(
    private readonly channels: NotificationChannelRepository,
    private readonly secrets: SecretsService,
    private readonly clock: Clock,
    private readonly outbox: NotificationOutbox,
    private readonly outboxRows: NotificationOutboxRepository,
    private readonly sender: NotificationSender,
  ) {}

  /** `generatedSecret`: the webhook secret made here, to be shown this once. */
  async create(request: ChannelRequest): Promise<{ channel: NotificationChannelEntity; generatedSecret: string | null }> {
    const checked = checkChannelConfig(request.type, request.config);
    if ('errors' in checked) throw new ValidationFailedError(`config is not valid for a ${request.type} channel`, checked.errors);
    const id = randomUUID();
    const aad = channelSecretAad(id);
    const config: StoredChannelConfig =
      'url' in checked.config ? { url: checked.config.url, secret: this.secrets.sealValue(checked.config.secret, aad) } : { webhook_url: this.secrets.sealValue(checked.config.webhook_url, aad) };
    const channel = this.channels.newChannel({
      id,
      name: request.name,
      type: request.type,
      config,
      events: [...new Set(request.events)],
      instance_ids: request.instance_ids ?? null,
      template_ids: request.template_ids ?? null,
      enabled: request.enabled ?? true,
      created_at: this.clock.nowSeconds(),
    });
    try {
      await this.channels.insert(channel);
    } catch (error) {
      if (isUniqueViolation(error, { index: 'uq_notification_channels_name', column: 'notification_channels.name' })) {
        throw new ConflictError('channel-name-taken', `a notification channel named '${request.name}' already exists`);
      }
      throw error;
    }
    await this.outbox.channelsChanged();
    return { channel, generatedSecret: 'url' in checked.config && checked.generatedSecret ? checked.config.secret : null };
  }

  list(): Promise<NotificationChannelEntity[]> {
    return this.channels.list();
  }

  async get(id: string): Promise<NotificationChannelEntity> {
    const channel = await this.channels.findById(id);
    if (!channel) throw new NotFoundError('channel-not-found', 'notification channel', id);
    return channel;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.channels.delete(id))) throw new NotFoundError('channel-not-found', 'notification channel', id);
    await this.outbox.channelsChanged();
  }

  /** Sends a test message now (not through the outbox: the caller waits for it) and logs the attempt. */
  async testSend(id: string): Promise<SendResult> {
    const channel = await this.get(id);
    const messageId = `test_${randomUUID()}`;
    const result = await this.sender.send(channel, messageId, { type: 'notification.test', timestamp: new Date(this.clock.now()).toISOString(), data: { channel_id: id } });
    await this.outboxRows.logAttempt({
      channel_id: id,
      outbox_id: null,
      event: 'notification.test',
      at: this.clock.nowSeconds(),
      outcome: result.delivered ? 'delivered' : 'failed',
      status_code: result.statusCode,
      error: result.error,
    });
    return result;
  }

  /** The newest attempts first, of one channel (which must exist) or of all. */
  async deliveries(channelId: string | undefined, limit: number): Promise<NotificationDeliveryEntity[]> {
    if (channelId) await this.get(channelId);
    return this.outboxRows.listAttempts(channelId, limit);
  }
}
