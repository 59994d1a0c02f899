import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock';
import { NotificationChannelEntity } from './notification-channel.entity';
import { NotificationChannelRepository } from './notification-channel.repository';
import { NotificationOutboxEntity } from './notification-outbox.entity';
import { NotificationOutboxRepository, OutboxAttempt } from './notification-outbox.repository';
import { NotificationSender } from './notification-sender';

/** Attempts before a message is dead-lettered. */
export const MAX_DELIVERY_ATTEMPTS = 5;
/** Wait after the n-th failed attempt: 10 s, 20 s, 40 s, ... capped at an hour. */
export const retryDelaySeconds = (attempts: number) => Math.min(3600, 10 * 2 ** (attempts - 1));
const POLL_MS = 100;
const BATCH = 50;

/**
 * Sends due outbox rows. Each channel's rows go one at a time, in order, by a worker of its own; channels go side by
 * side, so a slow receiver (an SMTP server taking its 10 s per step) holds up only its own channel. A tick starts
 * workers for due rows of channels that have none and returns at once; a row is never sent twice by this process
 * because a channel's rows are read only while it has no worker. Due means `next_attempt_at` has come by the Clock,
 * so tests hold retries back by not moving a ManualClock. Each attempt is logged; after MAX_DELIVERY_ATTEMPTS the
 * row is dead.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  /** Channels whose rows are being sent, with the worker sending them. */
  private readonly workers = new Map<string, Promise<void>>();
  /** When the earliest pending row of an idle channel is due, as far as this process knows; null: nothing to do. Idle ticks read nothing. */
  private nextDueAt: number | null = null;

  constructor(
    private readonly outbox: NotificationOutboxRepository,
    private readonly channels: NotificationChannelRepository,
    private readonly sender: NotificationSender,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Rows left pending by an earlier process (a crash or restart between a run's finish and its delivery).
    const earliest = await this.outbox.earliestPending();
    if (earliest !== null) this.wake(earliest);
    this.timer = setInterval(() => {
      if (this.ticking || this.nextDueAt === null || this.nextDueAt > this.clock.nowSeconds()) return;
      this.ticking = this.tick()
        .catch((error: Error) => this.logger.warn(`notification dispatch failed: ${error.message}`))
        .finally(() => (this.ticking = null));
    }, POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    await Promise.all(this.workers.values());
  }

  /** A row is due at `at` (epoch seconds by the Clock). */
  wake(at: number): void {
    this.nextDueAt = this.nextDueAt === null ? at : Math.min(this.nextDueAt, at);
  }

  /** Starts a worker per idle channel with due rows, then learns when the next row of an idle channel is due. */
  async tick(): Promise<void> {
    this.nextDueAt = null;
    try {
      const due = await this.outbox.due(this.clock.nowSeconds(), BATCH, [...this.workers.keys()]);
      if (due.length === 0) return;
      const channels = new Map((await this.channels.findByIds([...new Set(due.map((row) => row.channel_id))])).map((channel) => [channel.id, channel]));
      const byChannel = new Map<string, NotificationOutboxEntity[]>();
      for (const row of due) byChannel.set(row.channel_id, [...(byChannel.get(row.channel_id) ?? []), row]);
      for (const [channelId, rows] of byChannel) {
        const worker = this.send(rows, channels.get(channelId) ?? null)
          .catch((error: Error) => this.logger.warn(`notification dispatch failed: ${error.message}`))
          .finally(() => {
            this.workers.delete(channelId);
            // Its channel's later rows (and any left by a batch limit) are read again now.
            this.wake(this.clock.nowSeconds());
          });
        this.workers.set(channelId, worker);
      }
    } finally {
      const earliest = await this.outbox.earliestPending([...this.workers.keys()]).catch(() => this.clock.nowSeconds());
      if (earliest !== null) this.wake(earliest);
    }
  }

  private async send(rows: NotificationOutboxEntity[], channel: NotificationChannelEntity | null): Promise<void> {
    for (const row of rows) {
      if (!this.timer) return;
      const { id, changes, attempt } = await this.attempt(row, channel);
      await this.outbox.recordAttempt(id, changes, attempt);
    }
  }

  private async attempt(row: NotificationOutboxEntity, channel: NotificationChannelEntity | null): Promise<OutboxAttempt> {
    const attempts = row.attempts + 1;
    const result = channel ? await this.sender.send(channel, row.id, row.payload) : { delivered: false, statusCode: null, error: 'the channel no longer exists' };
    const at = this.clock.nowSeconds();
    const dead = !result.delivered && (attempts >= MAX_DELIVERY_ATTEMPTS || !channel);
    const status = result.delivered ? 'delivered' : dead ? 'dead' : 'pending';
    return {
      id: row.id,
      changes: { status, attempts, next_attempt_at: status === 'pending' ? at + retryDelaySeconds(attempts) : null },
      attempt: { channel_id: row.channel_id, outbox_id: row.id, event: row.event, at, outcome: result.delivered ? 'delivered' : dead ? 'dead' : 'failed', status_code: result.statusCode, error: result.error },
    };
  }
}
