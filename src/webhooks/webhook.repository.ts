import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { TransactionService } from '../database/transaction.service';
import { PluginWebhookEntity, StoredWebhookSecret } from './webhook.entity';

/** Every statement on `plugin_webhooks`. */
@Injectable()
export class WebhookRepository {
  constructor(
    @InjectRepository(PluginWebhookEntity) private readonly webhooks: Repository<PluginWebhookEntity>,
    private readonly transactions: TransactionService,
  ) {}

  newWebhook(values: PluginWebhookEntity): PluginWebhookEntity {
    return this.webhooks.create(values);
  }

  async insert(webhook: PluginWebhookEntity): Promise<void> {
    await this.transactions.run((manager) => manager.insert(PluginWebhookEntity, webhook), { singleWrite: true });
  }

  /** The instance's webhooks, revoked ones included, oldest first. */
  listForInstance(instanceId: string): Promise<PluginWebhookEntity[]> {
    return this.webhooks.find({ where: { instance_id: instanceId }, order: { created_at: 'ASC', id: 'ASC' } });
  }

  findOfInstance(instanceId: string, id: string): Promise<PluginWebhookEntity | null> {
    return this.webhooks.findOneBy({ id, instance_id: instanceId });
  }

  /** The webhook a URL token opens: only an active one. */
  findActiveByTokenHash(tokenHash: string): Promise<PluginWebhookEntity | null> {
    return this.webhooks.findOneBy({ token_hash: tokenHash, revoked_at: IsNull() });
  }

  async revoke(id: string, at: number): Promise<void> {
    await this.transactions.run((manager) => manager.update(PluginWebhookEntity, { id, revoked_at: IsNull() }, { revoked_at: at }), { singleWrite: true });
  }

  /** Replaces the secrets of an active webhook; false when it was revoked meanwhile. */
  async replaceSecrets(id: string, secrets: StoredWebhookSecret[]): Promise<boolean> {
    const result = await this.transactions.run((manager) => manager.update(PluginWebhookEntity, { id, revoked_at: IsNull() }, { secrets }), { singleWrite: true });
    return (result.affected ?? 0) > 0;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.transactions.run((manager) => manager.update(PluginWebhookEntity, { id }, { last_used_at: at }), { singleWrite: true });
  }
}
