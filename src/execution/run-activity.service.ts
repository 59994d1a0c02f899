import { Injectable } from '@nestjs/common';
import { InstancesService } from '../instances/instances.service';
import { PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { ExecutionEvents, RunActivity } from './execution-events';
import { PluginExecutionEntity } from './plugin-execution.entity';

/**
 * What a stream of runs writes: a run queued, started or finished (with an id, `<process>-<position>`); after a
 * finish, the instance as it is then (its new status, last run and result); and, first on a reconnect, a `resync`.
 */
export type ActivityItem =
  | { type: RunActivity['type']; id: string; execution: PluginExecutionEntity }
  | { type: 'instance'; instance: PluginInstanceEntity }
  | { type: 'resync'; reason: 'reconnected' };

/**
 * The runs of one instance, or of every instance, as they are queued, start and finish: for the console's instance
 * page and instance list, which otherwise see a run started by a schedule, a webhook, an upstream, a retry or
 * another user only when they reload. Nothing is replayed: a client that reconnects (it sends Last-Event-ID) gets
 * a `resync` event and reads what it missed from the REST endpoints.
 */
/** Finishes whose instance read is kept for the streams still writing them. */
const SHARED_READS = 256;

@Injectable()
export class RunActivityService {
  /** The instance after a finish, by the finish's sequence number: one read however many streams are open. */
  private readonly readsAfterFinish = new Map<number, Promise<PluginInstanceEntity | null>>();

  constructor(
    private readonly events: ExecutionEvents,
    private readonly instances: InstancesService,
  ) {}

  /**
   * The runs of `instanceId` (of every instance for null) from now until `signal` aborts or the server shuts down.
   * Throws 404 for an unknown instance before yielding anything.
   */
  async watch(instanceId: string | null, lastEventId: string | undefined, signal: AbortSignal): Promise<AsyncIterable<ActivityItem>> {
    const pending: RunActivity[] = [];
    let wake: (() => void) | null = null;
    // Subscribed before the instance is read: a run that starts meanwhile is not missed.
    const unsubscribe = this.events.onActivity(instanceId, (activity) => {
      pending.push(activity);
      wake?.();
    });
    if (instanceId !== null) {
      try {
        await this.instances.get(instanceId);
      } catch (error) {
        unsubscribe();
        throw error;
      }
    }
    const stop = () => wake?.();
    const offClose = this.events.onClose(stop);
    signal.addEventListener('abort', stop, { once: true });
    const { events, epoch } = { events: this.events, epoch: this.events.log.epoch };
    const instanceAfter = (seq: number, id: string) => this.instanceAfter(seq, id);
    return (async function* (): AsyncGenerator<ActivityItem> {
      try {
        // Any id: this stream keeps no history to resume from, so the client reads the current state again.
        if (lastEventId) yield { type: 'resync', reason: 'reconnected' };
        while (!signal.aborted && !events.closed) {
          if (pending.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          while (pending.length > 0 && !signal.aborted) {
            const { type, execution, seq } = pending.shift()!;
            yield { type, id: `${epoch}-${seq}`, execution };
            if (type !== 'finished') continue;
            const instance = await instanceAfter(seq, execution.instance_id);
            if (instance) yield { type: 'instance', instance };
          }
        }
      } finally {
        unsubscribe();
        offClose();
        signal.removeEventListener('abort', stop);
      }
    })();
  }

  /**
   * The instance once a run of it finished (its status and last run moved on), or null when it is gone (or cannot be
   * read now: the stream goes on). Read once per finish and shared by every open stream; the oldest reads are dropped.
   */
  private instanceAfter(seq: number, id: string): Promise<PluginInstanceEntity | null> {
    let read = this.readsAfterFinish.get(seq);
    if (!read) {
      read = this.instances.get(id).catch(() => null);
      this.readsAfterFinish.set(seq, read);
      if (this.readsAfterFinish.size > SHARED_READS) this.readsAfterFinish.delete(this.readsAfterFinish.keys().next().value!);
    }
    return read;
  }
}
