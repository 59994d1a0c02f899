import { randomUUID } from 'node:crypto';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { epochSecondsToIso } from '../common/time';
import type { PluginExecutionEntity } from '../execution/plugin-execution.entity';
import { RunOutcomeListener } from '../execution/run-outcome-listener';
import type { RunStreak } from '../instances/instances.service';
import { ChannelEvent, NotificationChannelEntity } from './notification-channel.entity';
import { NotificationChannelRepository } from './notification-channel.repository';
import { NotificationOutboxEntity, NotificationPayload } from './notification-outbox.entity';
import { NotificationOutboxRepository } from './notification-outbox.repository';
import { NotificationDispatcher } from './notification-dispatcher';

/** Execution ids a grouped message lists (the newest); `occurrences` counts them all. */
export const GROUPED_IDS_KEPT = 20;

/** The events a settled run raises; a cancelled run raises none. */
export function eventsOf(status: string, streak: RunStreak | null): ChannelEvent[] {
  if (status === 'succeeded') return streak && streak.previous_failures > 0 ? ['execution.succeeded', 'execution.recovered'] : ['execution.succeeded'];
  if (status === 'failed' || status === 'timed_out' || status === 'interrupted') return streak?.auto_disabled_after ? ['execution.failed', 'instance.auto_disabled'] : ['execution.failed'];
  return [];
}

/** Whether a channel announces this event of this run: failures from its threshold on, recoveries only from a streak it announced. */
function announces(channel: NotificationChannelEntity, event: ChannelEvent, streak: RunStreak | null): boolean {
  if (event === 'execution.failed') return (streak?.consecutive_failures ?? 1) >= channel.failure_threshold;
  if (event === 'execution.recovered') return streak !== null && streak.previous_failures >= channel.failure_threshold;
  return true;
}

/** The message for one event of a run, as one occurrence (grouping adds the later ones). */
function payloadOf(event: ChannelEvent, execution: PluginExecutionEntity, streak: RunStreak | null, now: number): NotificationPayload {
  const finishedAt = epochSecondsToIso(execution.finished_at ?? now);
  const executionId = execution.retry_of ?? execution.id;
  const instance = { instance_id: execution.instance_id, instance_name: streak?.name ?? null, template_id: execution.template_id };
  if (event === 'instance.auto_disabled') {
    return {
      type: event,
      timestamp: finishedAt,
      data: { ...instance, consecutive_failures: streak?.consecutive_failures, disable_after_failures: streak?.auto_disabled_after, execution_id: executionId, disabled_at: finishedAt, occurrences: 1 },
    };
  }
  return {
    type: event,
    timestamp: finishedAt,
    data: {
      execution_id: executionId,
      attempt_execution_id: execution.id,
      ...instance,
      status: execution.status,
      attempt: execution.attempt,
      error: execution.error,
      finished_at: finishedAt,
      consecutive_failures: streak?.consecutive_failures ?? (execution.status === 'succeeded' ? 0 : null),
      ...(event === 'execution.recovered' ? { previous_failures: streak?.previous_failures } : {}),
      occurrences: 1,
      first_at: finishedAt,
      last_at: finishedAt,
      execution_ids: [executionId],
    },
  };
}

/** A group's message with one more occurrence: the newest run's details, the count, the span and the newest ids. */
export function withRepeat(grouped: NotificationPayload, repeat: NotificationPayload): NotificationPayload {
  const before = grouped.data;
  const ids = [...((before.execution_ids as string[] | undefined) ?? []), ...((repeat.data.execution_ids as string[] | undefined) ?? [])];
  return {
    ...repeat,
    data: {
      ...repeat.data,
      occurrences: ((before.occurrences as number | undefined) ?? 1) + 1,
      first_at: before.first_at ?? before.disabled_at,
      ...(ids.length ? { execution_ids: ids.slice(-GROUPED_IDS_KEPT) } : {}),
    },
  };
}

/**
 * Writes what to send into the run's own finishing transaction: for each subscribed channel and event, a new outbox
 * row or, inside the channel's grouping window, a repeat joined to the message still waiting, so a crash after the
 * commit still sends it and a rolled-back finish sends nothing. The enabled channels are kept in memory (reloaded
 * after every channel write), so a run nobody subscribes to costs no statement.
 *
 * Grouping, per (channel, instance, event): the first occurrence is sent at once and opens a window of
 * `group_window_seconds`; repeats inside it become one message sent when the window ends, which opens the next
 * window. A steady stream of repeats thus gives one message per window, each saying how many it stands for.
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

  /** After a channel is created, changed or deleted. */
  async channelsChanged(): Promise<void> {
    this.enabled = null;
    await this.reload();
  }

  wantsStreak(execution: PluginExecutionEntity): boolean {
    // Not loaded yet: read it rather than send a recovery or a name short.
    if (this.enabled === null) return true;
    return this.enabled.some((channel) => matches(channel, execution) && (channel.events.includes('execution.succeeded') || channel.events.includes('execution.recovered')));
  }

  async runSettled(manager: EntityManager, execution: PluginExecutionEntity, streak: RunStreak | null): Promise<void> {
    const events = eventsOf(execution.status, streak);
    if (events.length === 0) return;
    // Not loaded yet (or just invalidated): read inside the run's transaction rather than miss a channel.
    const channels = this.enabled ?? (await manager.find(NotificationChannelEntity)).filter((channel) => channel.enabled);
    const now = this.clock.nowSeconds();
    const rows: NotificationOutboxEntity[] = [];
    for (const channel of channels) {
      if (!matches(channel, execution)) continue;
      for (const event of events) {
        if (!channel.events.includes(event) || !announces(channel, event, streak)) continue;
        const row = await this.grouped(manager, channel, event, payloadOf(event, execution, streak, now), execution.instance_id, now);
        if (row) rows.push(row);
      }
    }
    if (rows.length === 0) return;
    await this.outbox.insert(manager, rows);
    this.written.add(execution.id);
  }

  settledCommitted(execution: PluginExecutionEntity): void {
    if (this.written.delete(execution.id)) this.dispatcher.wake(this.clock.nowSeconds());
  }

  /** The row to insert for this message, or null when it joined the message its group is waiting to send. */
  private async grouped(manager: EntityManager, channel: NotificationChannelEntity, event: ChannelEvent, payload: NotificationPayload, instanceId: string, now: number): Promise<NotificationOutboxEntity | null> {
    const window = channel.group_window_seconds;
    const row = (dueAt: number, windowEndsAt: number | null): NotificationOutboxEntity => ({
      id: randomUUID(),
      channel_id: channel.id,
      event,
      instance_id: instanceId,
      window_ends_at: windowEndsAt,
      payload,
      status: 'pending',
      attempts: 0,
      next_attempt_at: dueAt,
      created_at: now,
    });
    if (window === 0) return row(now, null);
    const latest = await this.outbox.latestInGroup(manager, channel.id, instanceId, event);
    if (!latest || latest.window_ends_at === null || latest.window_ends_at <= now) return row(now, now + window);
    if (await this.outbox.joinGroup(manager, latest.id, withRepeat(latest.payload, payload), now)) return null;
    // The window's message is out (or on its way): this repeat starts the one sent when the window ends.
    return row(latest.window_ends_at, latest.window_ends_at + window);
  }

  private async reload(): Promise<void> {
    const generation = ++this.generation;
    const all = await this.channels.listAll();
    // A later reload started meanwhile: its list is the newer one.
    if (generation === this.generation) this.enabled = all.filter((channel) => channel.enabled);
  }
}

function matches(channel: NotificationChannelEntity, execution: PluginExecutionEntity): boolean {
  return (channel.instance_ids === null || channel.instance_ids.includes(execution.instance_id)) && (channel.template_ids === null || channel.template_ids.includes(execution.template_id));
}
