import { Column, Entity, PrimaryColumn } from 'typeorm';
import { booleanInteger, jsonText, realNumber } from '../database/json.transformer';
import type { SecretEnvelope } from '../secrets/secret-cipher';
import type { SmtpSecurity } from './channel-config';

export const CHANNEL_TYPES = ['webhook', 'slack', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const CHANNEL_EVENTS = ['execution.failed', 'execution.succeeded'] as const;
export type ChannelEvent = (typeof CHANNEL_EVENTS)[number];

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

  @Column({ type: 'real', transformer: realNumber })
  created_at: number;
}
