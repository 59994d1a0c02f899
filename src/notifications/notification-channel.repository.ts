import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { TransactionService } from '../database/transaction.service';
import { NotificationChannelEntity } from './notification-channel.entity';
import { NotificationDeliveryEntity, NotificationOutboxEntity } from './notification-outbox.entity';

/** Every statement on `notification_channels`. */
@Injectable()
export class NotificationChannelRepository {
  constructor(
    @InjectRepository(NotificationChannelEntity) private readonly channels: Repository<NotificationChannelEntity>,
    private readonly transactions: TransactionService,
  ) {}

  newChannel(values: NotificationChannelEntity): NotificationChannelEntity {
    return this.channels.create(values);
  }

  async insert(channel: NotificationChannelEntity): Promise<void> {
    await this.transactions.run((manager) => manager.insert(NotificationChannelEntity, channel), { singleWrite: true });
  }

  /** Oldest first. */
  list(): Promise<NotificationChannelEntity[]> {
    return this.channels.find({ order: { created_at: 'ASC', id: 'ASC' } });
  }

  findById(id: string): Promise<NotificationChannelEntity | null> {
    return this.channels.findOneBy({ id });
  }

  findByIds(ids: string[]): Promise<NotificationChannelEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.channels.findBy({ id: In(ids) });
  }

  /** Replaces a channel's changeable fields; false when it no longer exists. */
  async update(id: string, changes: Partial<Omit<NotificationChannelEntity, 'id' | 'type' | 'created_at'>>): Promise<boolean> {
    const result = await this.transactions.run((manager) => manager.update(NotificationChannelEntity, { id }, changes), { singleWrite: true });
    return (result.affected ?? 0) > 0;
  }

  /** Every channel, for the outbox's in-memory list. */
  listAll(): Promise<NotificationChannelEntity[]> {
    return this.channels.find();
  }

  /** False when it did not exist. Its outbox rows and delivery log go with it (no foreign keys: see the migration). */
  async delete(id: string): Promise<boolean> {
    return this.transactions.run(async (manager) => {
      const result = await manager.delete(NotificationChannelEntity, { id });
      await manager.delete(NotificationOutboxEntity, { channel_id: id });
      await manager.delete(NotificationDeliveryEntity, { channel_id: id });
      return (result.affected ?? 0) > 0;
    });
  }
}
