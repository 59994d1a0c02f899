import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { jsonText, realNumber } from '../database/json.transformer';
import type { ChannelEvent } from './notification-channel.entity';

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

/** The message a channel is sent, whatever its type: Standard Webhooks' `{type, timestamp, data}`. */
export interface NotificationPayload {
  type: ChannelEvent | 'notification.test';
  timestamp: string;
  data: Record<string, unknown>;
}

/** `notification_outbox`: one message per (channel, event) still to send, sent, or given up on. */
@Entity({ name: 'notification_outbox' })
export class NotificationOutboxEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  channel_id: string;

  @Column({ type: 'text' })
  event: ChannelEvent;

  /** The instance the event is about: with channel and event, the key repeats are grouped by. */
  @Column({ type: 'text', nullable: true })
  instance_id: string | null;

  /** Until when repeats of this (channel, instance, event) join this message or the one after it; null: not grouped. */
  @Column({ type: 'real', nullable: true, transformer: realNumber })
  window_ends_at: number | null;

  @Column({ type: 'text', transformer: jsonText })
  payload: NotificationPayload;

  @Column({ type: 'text' })
  status: OutboxStatus;

  @Column({ type: 'integer' })
  attempts: number;

  /** By the Clock, epoch seconds; null once delivered or dead. */
  @Column({ type: 'real', nullable: true, transformer: realNumber })
  next_attempt_at: number | null;

  @Column({ type: 'real', transformer: realNumber })
  created_at: number;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead';

/** `notification_deliveries`: one row per attempt to send (outbox_id null for a test send). */
@Entity({ name: 'notification_deliveries' })
export class NotificationDeliveryEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'text' })
  channel_id: string;

  @Column({ type: 'text', nullable: true })
  outbox_id: string | null;

  @Column({ type: 'text' })
  event: string;

  @Column({ type: 'real', transformer: realNumber })
  at: number;

  @Column({ type: 'text' })
  outcome: DeliveryOutcome;

  @Column({ type: 'integer', nullable: true })
  status_code: number | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;
}
