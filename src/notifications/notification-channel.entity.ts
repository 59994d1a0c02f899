import { Column, Entity, PrimaryColumn } from 'typeorm';
import { booleanInteger, jsonText, realNumber } from '../database/json.transformer';
import type { SecretEnvelope } from '../secrets/secret-cipher';

/** How an email channel secures its SMTP session. */
export const SMTP_SECURITY = ['starttls', 'tls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

/** Sealed under the channel's id, so a sealed value cannot be moved to another channel. */
export const channelSecretAad = (channelId: string) => `pif-notification-channel:${channelId}`;

export const CHANNEL_TYPES = ['webhook', 'slack', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const CHANNEL_EVENTS = ['execution.failed', 'execution.succeeded', 'execution.recovered', 'instance.auto_disabled'] as const;
export type ChannelEvent = (typeof CHANNEL_EVENTS)[number];

/** Unless told otherwise a channel announces every failure, and groups repeats within 5 minutes into one message. */
export const DEFAULT_FAILURE_THRESHOLD = 1;
export const DEFAULT_GROUP_WINDOW_SECONDS = 300;

/** An email channel's config as stored: defaults filled in, the SMTP password sealed. */
export interface StoredEmailConfig {
  host: string;
  port: number;
  security: SmtpSecurity;
  username?: string;
  password?: SecretEnvelope;
  from: string;
  to: string[];
}

/**
 * A channel's config as stored: secret parts sealed (webhook: the signing secret; slack: the whole URL, which is the
 * credential; email: the SMTP password).
 */
export type StoredChannelConfig = { url: string; secret: SecretEnvelope } | { webhook_url: SecretEnvelope } | StoredEmailConfig;

/** `notification_channels`: where run outcomes are announced. Written only by NotificationChannelRepository. */
@Entity({ name: 'notification_channels' })
export class NotificationChannelEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  type: ChannelType;

  @Column({ type: 'text', transformer: jsonText })
  config: StoredChannelConfig;

  @Column({ type: 'text', transformer: jsonText })
  events: ChannelEvent[];

  /** Only runs of these instances; null: any. */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  instance_ids: string[] | null;

  /** Only runs of instances of these templates; null: any. */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  template_ids: string[] | null;

  @Column({ type: 'integer', transformer: booleanInteger })
  enabled: boolean;

  /** `execution.failed` is announced only from the N-th failure in a row of an instance; `execution.recovered` only after such a streak. */
  @Column({ type: 'integer' })
  failure_threshold: number;

  /** Repeats of one event for one instance within this many seconds of the first are sent as one message; 0: every event. */
  @Column({ type: 'integer' })
  group_window_seconds: number;

  @Column({ type: 'real', transformer: realNumber })
  created_at: number;
}
