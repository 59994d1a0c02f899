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
 * Sends due outbox rows, one tick at a time (a tick that comes while the last still runs is skipped, so a row is
 * never sent twice by this process). Due means `next_attempt_at` has come by the Clock, so tests hold retries back
 * by not moving a ManualClock. Each attempt is logged; after MAX_DELIVERY_ATTEMPTS the row is dead.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** When the earliest pending row is due, as far as this process knows; null: nothing pending. Idle ticks read nothing. */
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
      if (this.running || this.nextDueAt === null || this.nextDueAt > this.clock.nowSeconds()) return;
      this.running = this.tick()
        .catch((error: Error) => this.logger.warn(`notification dispatch failed: ${error.message}`))
        .finally(() => (this.running = null));
    }, POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** A row is due at `at` (epoch seconds by the Clock). */
  wake(at: number): void {
    this.nextDueAt = this.nextDueAt === null ? at : Math.min(this.nextDueAt, at);
  }

  /** Sends what is due now, then learns when the next row is due (a wake meanwhile is kept by wake's minimum). */
  async tick(): Promise<void> {
    this.nextDueAt = null;
    try {
      const due = await this.outbox.due(this.clock.nowSeconds(), BATCH);
      if (due.length === 0) return;
      const channels = new Map((await this.channels.findByIds([...new Set(due.map((row) => row.channel_id))])).map((channel) => [channel.id, channel]));
      for (const row of due) {
        if (!this.timer) return;
        const { id, changes, attempt } = await this.attempt(row, channels.get(row.channel_id) ?? null);
        await this.outbox.recordAttempt(id, changes, attempt);
      }
    } finally {
      const earliest = await this.outbox.earliestPending().catch(() => this.clock.nowSeconds());
      if (earliest !== null) this.wake(earliest);
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
