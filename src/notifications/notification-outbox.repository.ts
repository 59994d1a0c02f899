import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, LessThanOrEqual, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { TransactionService } from '../database/transaction.service';
import { DeliveryOutcome, NotificationDeliveryEntity, NotificationOutboxEntity } from './notification-outbox.entity';

export interface AttemptRecord {
  channel_id: string;
  outbox_id: string | null;
  event: string;
  at: number;
  outcome: DeliveryOutcome;
  status_code: number | null;
  error: string | null;
}

/** Every statement on `notification_outbox` and `notification_deliveries` (but a channel's delete, which takes its rows). */
@Injectable()
export class NotificationOutboxRepository {
  constructor(
    @InjectRepository(NotificationOutboxEntity) private readonly outbox: Repository<NotificationOutboxEntity>,
    @InjectRepository(NotificationDeliveryEntity) private readonly deliveries: Repository<NotificationDeliveryEntity>,
    private readonly transactions: TransactionService,
  ) {}

  /** Inside the caller's transaction (the run's finish). */
  async insert(manager: EntityManager, rows: NotificationOutboxEntity[]): Promise<void> {
    // The payload is free-form JSON, which TypeORM's deep-partial type cannot follow.
    await manager.insert(NotificationOutboxEntity, rows as QueryDeepPartialEntity<NotificationOutboxEntity>[]);
  }

  /** Pending rows whose time has come, oldest first. */
  due(now: number, limit: number): Promise<NotificationOutboxEntity[]> {
    return this.outbox.find({ where: { status: 'pending', next_attempt_at: LessThanOrEqual(now) }, order: { created_at: 'ASC', id: 'ASC' }, take: limit });
  }

  /** When the earliest pending row is due; null when none is pending. */
  async earliestPending(): Promise<number | null> {
    const row = await this.outbox.findOne({ where: { status: 'pending' }, order: { next_attempt_at: 'ASC' }, select: { next_attempt_at: true } });
    return row?.next_attempt_at ?? null;
  }

  /** The row's new state and the attempt's log line, together. */
  async recordAttempt(id: string, changes: Pick<NotificationOutboxEntity, 'status' | 'attempts' | 'next_attempt_at'>, attempt: AttemptRecord): Promise<void> {
    await this.transactions.run(
      async (manager) => {
        await manager.update(NotificationOutboxEntity, { id }, changes);
        await manager.insert(NotificationDeliveryEntity, attempt);
      },
      { unrefusable: true },
    );
  }

  async logAttempt(attempt: AttemptRecord): Promise<void> {
    await this.transactions.run((manager) => manager.insert(NotificationDeliveryEntity, attempt), { singleWrite: true });
  }

  /** Newest first. */
  listAttempts(channelId: string | undefined, limit: number): Promise<NotificationDeliveryEntity[]> {
    return this.deliveries.find({ where: channelId ? { channel_id: channelId } : {}, order: { id: 'DESC' }, take: limit });
  }
}
