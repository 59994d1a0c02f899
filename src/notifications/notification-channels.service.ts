import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { KeysetQuery, Page } from '../common/pagination';
import { ConflictError, NotFoundError, ValidationFailedError } from '../common/domain-errors';
import { isUniqueViolation } from '../database/unique-violation';
import { SecretsService } from '../secrets/secrets.service';
import { ChannelConfigInput, checkChannelConfig } from './channel-config';
import { ChannelEvent, ChannelType, channelSecretAad, DEFAULT_FAILURE_THRESHOLD, DEFAULT_GROUP_WINDOW_SECONDS, NotificationChannelEntity, StoredChannelConfig } from './notification-channel.entity';
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
  failure_threshold?: number;
  group_window_seconds?: number;
}

export interface ChannelUpdate {
  name?: string;
  config?: Record<string, unknown>;
  events?: ChannelEvent[];
  instance_ids?: string[] | null;
  template_ids?: string[] | null;
  enabled?: boolean;
  failure_threshold?: number;
  group_window_seconds?: number;
}

/** Notification channels: create (config checked per type, secrets sealed), update, list, get, delete, test-send; the delivery log. */
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
    const config = this.sealConfig(id, checked.config, null);
    const channel = this.channels.newChannel({
      id,
      name: request.name,
      type: request.type,
      config,
      events: [...new Set(request.events)],
      instance_ids: request.instance_ids ?? null,
      template_ids: request.template_ids ?? null,
      enabled: request.enabled ?? true,
      failure_threshold: request.failure_threshold ?? DEFAULT_FAILURE_THRESHOLD,
      group_window_seconds: request.group_window_seconds ?? DEFAULT_GROUP_WINDOW_SECONDS,
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

  /** Applies the fields given; a webhook config without `secret`, or an email config with a username but no `password`, keeps the stored one. */
  async update(id: string, request: ChannelUpdate): Promise<NotificationChannelEntity> {
    const channel = await this.get(id);
    const changes: Partial<NotificationChannelEntity> = {};
    if (request.config !== undefined) {
      const passwordStored = 'password' in channel.config && channel.config.password !== undefined;
      const checked = checkChannelConfig(channel.type, request.config, { passwordStored });
      if ('errors' in checked) throw new ValidationFailedError(`config is not valid for a ${channel.type} channel`, checked.errors);
      // A webhook given a new secret keeps nothing; otherwise what the new config omits may be kept.
      const keep = channel.type === 'webhook' && request.config.secret !== undefined ? null : channel.config;
      changes.config = this.sealConfig(id, checked.config, keep);
    }
    if (request.name !== undefined) changes.name = request.name;
    if (request.events !== undefined) changes.events = [...new Set(request.events)];
    if (request.instance_ids !== undefined) changes.instance_ids = request.instance_ids;
    if (request.template_ids !== undefined) changes.template_ids = request.template_ids;
    if (request.enabled !== undefined) changes.enabled = request.enabled;
    if (request.failure_threshold !== undefined) changes.failure_threshold = request.failure_threshold;
    if (request.group_window_seconds !== undefined) changes.group_window_seconds = request.group_window_seconds;
    if (Object.keys(changes).length > 0) {
      try {
        if (!(await this.channels.update(id, changes))) throw new NotFoundError('channel-not-found', 'notification channel', id);
      } catch (error) {
        if (isUniqueViolation(error, { index: 'uq_notification_channels_name', column: 'notification_channels.name' })) {
          throw new ConflictError('channel-name-taken', `a notification channel named '${request.name}' already exists`);
        }
        throw error;
      }
      await this.outbox.channelsChanged();
    }
    return Object.assign(channel, changes);
  }

  /**
   * The config to store, its secrets sealed under the channel's id. `keep`, on an update, is the stored config whose
   * webhook secret (when the new config generated one in place of an omitted secret) or SMTP password (when the new
   * config has a username but no password) stays.
   */
  private sealConfig(id: string, config: ChannelConfigInput, keep: StoredChannelConfig | null): StoredChannelConfig {
    const aad = channelSecretAad(id);
    if ('url' in config) return { url: config.url, secret: keep && 'secret' in keep ? keep.secret : this.secrets.sealValue(config.secret, aad) };
    if ('webhook_url' in config) return { webhook_url: this.secrets.sealValue(config.webhook_url, aad) };
    const { password, ...rest } = config;
    if (password !== undefined) return { ...rest, password: this.secrets.sealValue(password, aad) };
    // Without a username no password is kept: a config without login sends without one.
    const stored = keep && 'password' in keep ? keep.password : undefined;
    return rest.username !== undefined && stored ? { ...rest, password: stored } : rest;
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

  /** A page of attempts, newest first, of one channel (which must exist) or of all. */
  async deliveries(channelId: string | undefined, query: KeysetQuery): Promise<Page<NotificationDeliveryEntity>> {
    if (channelId) await this.get(channelId);
    return this.outboxRows.pageAttempts(channelId, query);
  }
}
