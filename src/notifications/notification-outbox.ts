import { randomUUID } from 'node:crypto';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { epochSecondsToIso } from '../common/time';
import type { PluginExecutionEntity } from '../execution/plugin-execution.entity';
import { RunOutcomeListener } from '../execution/run-outcome-listener';
import { ChannelEvent, NotificationChannelEntity } from './notification-channel.entity';
import { NotificationChannelRepository } from './notification-channel.repository';
import { NotificationOutboxEntity } from './notification-outbox.entity';
import { NotificationOutboxRepository } from './notification-outbox.repository';
import { NotificationDispatcher } from './notification-dispatcher';

/** Which event a final status is; a cancelled run announces nothing. */
export function eventOf(status: string): ChannelEvent | null {
  if (status === 'succeeded') return 'execution.succeeded';
  if (status === 'failed' || status === 'timed_out' || status === 'interrupted') return 'execution.failed';
  return null;
}

/**
 * Writes what to send into the run's own finishing transaction: one outbox row per subscribed channel, so a crash
 * after the commit still sends it and a rolled-back finish sends nothing. The enabled channels are kept in memory
 * (reloaded after every channel write), so a run nobody subscribes to costs no statement.
 */
@Injectable()
export class NotificationOutbox extends RunOutcomeListener implements OnApplicationBootstrap {
  private enabled: NotificationChannelEntity[] | null = null;
  private generation = 0;
  /** Runs whose finishing transaction wrote outbox rows, until it commits (a rolled-back one leaves its id behind). */
  private readonly written = new Set<string>();

  constructor(
    private readonly channels: NotificationChannelRepository,
    private readonly outbox: NotificationOutboxRepository,
    private readonly clock: Clock,
    private readonly dispatcher: NotificationDispatcher,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
  }

  /** After a channel is created or deleted. */
  async channelsChanged(): Promise<void> {
    this.enabled = null;
    await this.reload();
  }

  async runSettled(manager: EntityManager, execution: PluginExecutionEntity): Promise<void> {
    const event = eventOf(execution.status);
    if (!event) return;
    // Not loaded yet (or just invalidated): read inside the run's transaction rather than miss a channel.
    const channels = this.enabled ?? (await manager.find(NotificationChannelEntity)).filter((channel) => channel.enabled);
    const subscribed = channels.filter((channel) => subscribes(channel, event, execution));
    if (subscribed.length === 0) return;
    const now = this.clock.nowSeconds();
    const payload = {
      type: event,
      timestamp: epochSecondsToIso(execution.finished_at ?? now),
      data: {
        execution_id: execution.retry_of ?? execution.id,
        attempt_execution_id: execution.id,
        instance_id: execution.instance_id,
        template_id: execution.template_id,
        status: execution.status,
        attempt: execution.attempt,
        error: execution.error,
        finished_at: epochSecondsToIso(execution.finished_at),
      },
    };
    const rows: NotificationOutboxEntity[] = subscribed.map((channel) => ({ id: randomUUID(), channel_id: channel.id, event, payload, status: 'pending', attempts: 0, next_attempt_at: now, created_at: now }));
    await this.outbox.insert(manager, rows);
    this.written.add(execution.id);
  }

  settledCommitted(execution: PluginExecutionEntity): void {
    if (this.written.delete(execution.id)) this.dispatcher.wake(this.clock.nowSeconds());
  }

  private async reload(): Promise<void> {
    const generation = ++this.generation;
    const all = await this.channels.listAll();
    // A later reload started meanwhile: its list is the newer one.
    if (generation === this.generation) this.enabled = all.filter((channel) => channel.enabled);
  }
}

function subscribes(channel: NotificationChannelEntity, event: ChannelEvent, execution: PluginExecutionEntity): boolean {
  return (
    channel.events.includes(event) &&
    (channel.instance_ids === null || channel.instance_ids.includes(execution.instance_id)) &&
    (channel.template_ids === null || channel.template_ids.includes(execution.template_id))
  );
}
