import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, LessThanOrEqual, Not, Repository } from 'typeorm';
import { integerKeyPage, KeysetQuery, Page } from '../common/pagination';
import { EntityStatements } from '../database/entity-statements';
import { jsonText } from '../database/json.transformer';
import { NamedSql } from '../database/named-sql';
import { TransactionService } from '../database/transaction.service';
import type { ChannelEvent } from './notification-channel.entity';
import { DeliveryOutcome, NotificationDeliveryEntity, NotificationOutboxEntity, NotificationPayload } from './notification-outbox.entity';

/** A repeat joins a message only while nothing of it has been sent and it is not due yet (so no dispatcher holds it). */
const JOIN_GROUP = new NamedSql(`UPDATE notification_outbox SET payload = :payload
  WHERE id = :id AND status = 'pending' AND attempts = 0 AND next_attempt_at > CAST(:now AS DOUBLE PRECISION)`);

/** An attempt's outcome on its row: a fixed statement (the dispatcher writes one per message). */
const RECORD_ATTEMPT = new NamedSql(`UPDATE notification_outbox SET status = CAST(:status AS TEXT), attempts = CAST(:attempts AS INTEGER),
  next_attempt_at = CAST(:nextAttemptAt AS DOUBLE PRECISION) WHERE id = :id`);

export interface AttemptRecord {
  channel_id: string;
  outbox_id: string | null;
  event: string;
  at: number;
  outcome: DeliveryOutcome;
  status_code: number | null;
  error: string | null;
}

/** One send of an outbox row: the row's new state and the delivery log's line. */
export interface OutboxAttempt {
  id: string;
  changes: Pick<NotificationOutboxEntity, 'status' | 'attempts' | 'next_attempt_at'>;
  attempt: AttemptRecord;
}

/** Every statement on `notification_outbox` and `notification_deliveries` (but a channel's delete, which takes its rows). */
@Injectable()
export class NotificationOutboxRepository {
  // Prepared once: a row goes in with every subscribed run and every attempt to send it.
  private readonly outboxStatements: EntityStatements<NotificationOutboxEntity>;
  private readonly deliveryStatements: EntityStatements<NotificationDeliveryEntity>;

  constructor(
    @InjectRepository(NotificationOutboxEntity) private readonly outbox: Repository<NotificationOutboxEntity>,
    @InjectRepository(NotificationDeliveryEntity) private readonly deliveries: Repository<NotificationDeliveryEntity>,
    private readonly transactions: TransactionService,
  ) {
    this.outboxStatements = new EntityStatements(outbox.manager.connection, NotificationOutboxEntity);
    this.deliveryStatements = new EntityStatements(deliveries.manager.connection, NotificationDeliveryEntity);
  }

  /** Inside the caller's transaction (the run's finish). */
  async insert(manager: EntityManager, rows: NotificationOutboxEntity[]): Promise<void> {
    for (const row of rows) await this.outboxStatements.insert(manager, row);
  }

  /** The newest message of one channel about one event of one instance (the group a repeat may join). */
  latestInGroup(manager: EntityManager, channelId: string, instanceId: string, event: ChannelEvent): Promise<NotificationOutboxEntity | null> {
    return manager.findOne(NotificationOutboxEntity, { where: { channel_id: channelId, instance_id: instanceId, event }, order: { created_at: 'DESC' } });
  }

  /** Replaces a message's payload with its grouped form, unless it was sent or became due meanwhile; false then. */
  async joinGroup(manager: EntityManager, id: string, payload: NotificationPayload, now: number): Promise<boolean> {
    return (await JOIN_GROUP.execute(manager, { id, payload: jsonText.to(payload), now })) > 0;
  }

  /** Pending rows whose time has come, oldest first. */
  due(now: number, limit: number, exceptChannels: string[] = []): Promise<NotificationOutboxEntity[]> {
    return this.outbox.find({ where: { status: 'pending', next_attempt_at: LessThanOrEqual(now), ...channelsOtherThan(exceptChannels) }, order: { created_at: 'ASC', id: 'ASC' }, take: limit });
  }

  /** When the earliest pending row (of a channel not excepted) is due; null when none is pending. */
  async earliestPending(exceptChannels: string[] = []): Promise<number | null> {
    const row = await this.outbox.findOne({ where: { status: 'pending', ...channelsOtherThan(exceptChannels) }, order: { next_attempt_at: 'ASC' }, select: { next_attempt_at: true } });
    return row?.next_attempt_at ?? null;
  }

  /** The row's new state and the attempt's log line, together. */
  async recordAttempt(id: string, changes: OutboxAttempt['changes'], attempt: AttemptRecord): Promise<void> {
    await this.transactions.run(
      async (manager) => {
        await RECORD_ATTEMPT.execute(manager, { id, status: changes.status, attempts: changes.attempts, nextAttemptAt: changes.next_attempt_at });
        await this.deliveryStatements.insert(manager, attempt as NotificationDeliveryEntity);
      },
      { unrefusable: true },
    );
  }

  async logAttempt(attempt: AttemptRecord): Promise<void> {
    await this.transactions.run((manager) => this.deliveryStatements.insert(manager, attempt as NotificationDeliveryEntity), { singleWrite: true });
  }

  /** Newest first by id (unique, growing with every insert), so a page never shifts as attempts are logged. */
  pageAttempts(channelId: string | undefined, query: KeysetQuery): Promise<Page<NotificationDeliveryEntity>> {
    const builder = this.deliveries.createQueryBuilder('d');
    if (channelId) builder.where('d.channel_id = :channelId', { channelId });
    return integerKeyPage(builder, 'd.id', query, (row) => Number(row.id));
  }
}

const channelsOtherThan = (channelIds: string[]) => (channelIds.length > 0 ? { channel_id: Not(In(channelIds)) } : {});
