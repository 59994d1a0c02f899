import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { NotFoundError, ValidationFailedError } from '../common/domain-errors';
import { epochSecondsToIso } from '../common/time';
import { InstanceRepository } from './instance.repository';
import { dstFlag, DstFlag, localIso, normaliseSchedule, Schedule, ScheduleInput, ScheduleTimes } from './schedule';

export interface UpcomingFire {
  instance_id: string;
  instance_name: string;
  scheduled_for: string;
  local_time: string;
  timezone: string;
}

export interface PreviewFire {
  scheduled_for: string;
  local_time: string;
  dst: DstFlag | null;
}

/** What runs next: across instances (GET /api/plugins/schedule) and for one (its preview). */
@Injectable()
export class ScheduleViewService {
  constructor(
    private readonly instances: InstanceRepository,
    private readonly clock: Clock,
  ) {}

  /** Fires of enabled schedules from now to `until` (epoch seconds), soonest first, at most `limit`. */
  async upcoming(until: number, limit: number): Promise<UpcomingFire[]> {
    // The first `limit` instances by next slot hold the `limit` soonest fires.
    const instances = await this.instances.findUpcoming(until, limit);
    const fires: (UpcomingFire & { at: number })[] = [];
    for (const instance of instances) {
      const times = ScheduleTimes.of(instance.schedule!);
      for (let at: number | null = instance.next_run_at!, n = 0; at !== null && at <= until && n < limit; at = times.nextAfter(at), n++) {
        fires.push({ at, instance_id: instance.id, instance_name: instance.name, scheduled_for: epochSecondsToIso(at), local_time: localIso(at, times.schedule.timezone), timezone: times.schedule.timezone });
      }
    }
    fires.sort((a, b) => a.at - b.at || a.instance_id.localeCompare(b.instance_id));
    return fires.slice(0, limit).map(({ at: _at, ...fire }) => fire);
  }

  /** The next `count` fires of an instance's schedule after now (even while disabled), flagged where DST touches them; none without a schedule. */
  async preview(id: string, count: number): Promise<{ schedule: Schedule | null; items: PreviewFire[] }> {
    const instance = await this.instances.findCommitted(id);
    if (!instance) throw new NotFoundError('instance-not-found', 'instance', id);
    if (!instance.schedule) return { schedule: null, items: [] };
    return { schedule: instance.schedule, items: this.nextFires(instance.schedule, count) };
  }

  /** The same for a schedule not saved anywhere (an editor showing fires as one types); invalid: the field errors at `/schedule/...`. */
  previewDraft(input: ScheduleInput, count: number): { schedule: Schedule; items: PreviewFire[] } {
    const checked = normaliseSchedule(input);
    if (!checked.schedule) throw new ValidationFailedError('schedule is not valid', checked.errors);
    return { schedule: checked.schedule, items: this.nextFires(checked.schedule, count) };
  }

  private nextFires(schedule: Schedule, count: number): PreviewFire[] {
    const times = ScheduleTimes.of(schedule);
    const items: PreviewFire[] = [];
    for (let at = times.nextAfter(this.clock.nowSeconds()); at !== null && items.length < count; at = times.nextAfter(at)) {
      items.push({ scheduled_for: epochSecondsToIso(at), local_time: localIso(at, schedule.timezone), dst: dstFlag(times, at) });
    }
    return items;
  }
}
