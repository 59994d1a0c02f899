import { Cron } from 'croner';
import { FieldError } from '../common/domain-errors';

/** An instance's schedule as stored and shown: defaults filled in, exactly one of cron and every. */
export interface Schedule {
  cron?: string;
  every?: string;
  timezone: string;
  catch_up: 'once' | 'skip';
  enabled: boolean;
}

export type ScheduleInput = Partial<Schedule>;

export const SKIP_REASONS = ['overlap', 'downtime', 'refused'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** What the scheduler did with an instance's slots (read-only on Instance). */
export interface ScheduleState {
  /** The slot of the latest run the scheduler started (ISO), or null. */
  last_fired_for: string | null;
  /** Slots that passed while the server was down (or ticks fell behind); with catch_up "once" the latest of them still ran, late. */
  missed: number;
  /** Slots skipped because a run of the instance was queued or running. */
  skipped_overlap: number;
  /** The latest slot that did not run on time, and why. */
  last_skip: { scheduled_for: string; reason: SkipReason } | null;
}

export const EMPTY_SCHEDULE_STATE: ScheduleState = { last_fired_for: null, missed: 0, skipped_overlap: 0, last_skip: null };

export const MIN_EVERY_SECONDS = 60;
export const MAX_EVERY_SECONDS = 366 * 86_400;
const EVERY_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `every` in seconds ("90s", "15m", "2h", "1d"), or null when it is not a whole number followed by s, m, h or d. */
export function parseEvery(text: string): number | null {
  const match = /^([1-9]\d{0,8})([smhd])$/.exec(text.trim());
  return match ? Number(match[1]) * EVERY_UNITS[match[2]] : null;
}

export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Checks a schedule from a request and fills in its defaults; the errors point into the request body under `/schedule`. */
export function normaliseSchedule(input: ScheduleInput): { schedule: Schedule; errors: [] } | { schedule: null; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const timezone = input.timezone ?? 'UTC';
  if (!isKnownTimeZone(timezone)) errors.push({ path: '/schedule/timezone', message: `unknown time zone '${timezone}' (use an IANA name such as Europe/Berlin)` });
  if ((input.cron === undefined) === (input.every === undefined)) {
    errors.push({ path: '/schedule', message: 'give exactly one of cron and every' });
  } else if (input.cron !== undefined) {
    const fields = input.cron.trim().split(/\s+/).length;
    if (fields !== 5 && fields !== 6) errors.push({ path: '/schedule/cron', message: `cron must have 5 fields (minute hour day month weekday) or 6 (seconds first); got ${fields}` });
    // As `every` has its 1-minute floor: a seconds field of one value fires at most once a minute.
    else if (fields === 6 && !/^[0-5]?\d$/.test(input.cron.trim().split(/\s+/)[0])) {
      errors.push({ path: '/schedule/cron', message: 'the seconds field (the first of 6) must be one number from 0 to 59: a schedule fires at most once a minute' });
    } else {
      try {
        new Cron(input.cron, { paused: true, mode: '5-or-6-parts' });
      } catch (error) {
        errors.push({ path: '/schedule/cron', message: `invalid cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}` });
      }
    }
  } else {
    const seconds = parseEvery(input.every!);
    if (seconds === null) errors.push({ path: '/schedule/every', message: 'every must be a whole number with a unit s, m, h or d, e.g. "15m"' });
    else if (seconds < MIN_EVERY_SECONDS) errors.push({ path: '/schedule/every', message: 'every must be at least 1m (60s)' });
    else if (seconds > MAX_EVERY_SECONDS) errors.push({ path: '/schedule/every', message: 'every must be at most 366d' });
  }
  if (errors.length > 0) return { schedule: null, errors };
  const schedule: Schedule = {
    ...(input.cron !== undefined ? { cron: input.cron.trim() } : { every: input.every!.trim() }),
    timezone,
    catch_up: input.catch_up ?? 'once',
    enabled: input.enabled ?? true,
  };
  return { schedule, errors: [] };
}

/**
 * The fire times of a schedule, in epoch seconds. A cron follows its time zone through DST as croner does:
 * a local time a spring-forward skips fires once at the first local time after the gap (02:30 -> 03:30),
 * and a local time that occurs twice on fall-back fires once, at its first occurrence. `every` slots are
 * whole multiples of the interval since the Unix epoch (UTC), so every process computes the same slots;
 * the time zone does not move them.
 */
export class ScheduleTimes {
  /** Parsed schedules by what decides their slots: parsing a cron costs about a millisecond, a tick may look at thousands. */
  private static readonly parsed = new Map<string, ScheduleTimes>();
  private readonly cron: Cron | null;
  private readonly everySeconds: number | null;

  /** The slots of `schedule`, parsed once per distinct cron (or interval) and zone, the least recently used forgotten past 1,000. */
  static of(schedule: Schedule): ScheduleTimes {
    const key = `${schedule.cron ?? ''}|${schedule.every ?? ''}|${schedule.timezone}`;
    let times = ScheduleTimes.parsed.get(key);
    if (times) ScheduleTimes.parsed.delete(key);
    else times = new ScheduleTimes(schedule);
    ScheduleTimes.parsed.set(key, times);
    if (ScheduleTimes.parsed.size > 1_000) ScheduleTimes.parsed.delete(ScheduleTimes.parsed.keys().next().value!);
    return times;
  }

  constructor(readonly schedule: Schedule) {
    this.cron = schedule.cron !== undefined ? new Cron(schedule.cron, { paused: true, timezone: schedule.timezone, mode: '5-or-6-parts' }) : null;
    this.everySeconds = schedule.every !== undefined ? parseEvery(schedule.every) : null;
  }

  /** The first slot strictly after `after` (epoch seconds), or null when there is none. */
  nextAfter(after: number): number | null {
    if (this.everySeconds !== null) return (Math.floor(after / this.everySeconds) + 1) * this.everySeconds;
    let from = Math.floor(after);
    // croner may answer the same instant again around a spring-forward gap: step until strictly later.
    for (let guard = 0; guard < 5; guard++) {
      const next = this.cron!.nextRun(new Date(from * 1000));
      if (!next) return null;
      const seconds = next.getTime() / 1000;
      if (seconds > after) return seconds;
      from = seconds + 1;
    }
    return null;
  }

  /** The slots in [from, to] (epoch seconds), at most `max`, oldest first; `total` counts them all up to `countLimit`. */
  slotsBetween(from: number, to: number, max: number, countLimit = 100_000): { slots: number[]; total: number } {
    const slots: number[] = [];
    let total = 0;
    if (this.everySeconds !== null) {
      const first = Math.ceil(from / this.everySeconds) * this.everySeconds;
      total = first > to ? 0 : Math.floor((to - first) / this.everySeconds) + 1;
      const start = Math.max(first, first + (total - max) * this.everySeconds);
      for (let slot = start; slot <= to && slots.length < max; slot += this.everySeconds) slots.push(slot);
      return { slots, total };
    }
    let slot = this.firstFrom(from);
    while (slot !== null && slot <= to && total < countLimit) {
      total++;
      slots.push(slot);
      if (slots.length > max) slots.shift();
      slot = this.nextAfter(slot);
    }
    return { slots, total };
  }

  /**
   * The first slot at or after `from`. croner finds a slot moved past a spring-forward gap (02:30 -> 03:30) only
   * when it starts before the gap, so when the plain lookup does not land on `from`, it starts two hours earlier.
   */
  private firstFrom(from: number): number | null {
    const plain = this.nextAfter(from - 1);
    if (plain === null || plain === from) return plain;
    let slot = this.nextAfter(from - 7200);
    while (slot !== null && slot < from) slot = this.nextAfter(slot);
    return slot;
  }

  /** Whether a cron's pattern names the local time of `at` itself (false: croner moved it past a DST gap). */
  matchesLocalTime(at: number): boolean {
    return this.cron ? this.cron.match(new Date(at * 1000)) : true;
  }
}

/** Offset of `zone` from UTC at an instant, in minutes. */
function offsetMinutes(at: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(at * 1000));
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const local = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return Math.round((local - Math.floor(at) * 1000) / 60_000);
}

/** The local time of an instant in `zone`, ISO 8601 with its offset: 2027-03-28T03:30:00+02:00. */
export function localIso(at: number, zone: string): string {
  const offset = offsetMinutes(at, zone);
  const local = new Date(Math.floor(at) * 1000 + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export type DstFlag = 'nonexistent' | 'ambiguous';

/**
 * How a DST change touches one fire: `nonexistent` when the local time the cron names does not exist that
 * day (the clock jumps past it; the run happens at the first local time after the gap), `ambiguous` when
 * the local time occurs twice (the clock falls back; the run happens once), null otherwise.
 */
export function dstFlag(times: ScheduleTimes, at: number): DstFlag | null {
  const zone = times.schedule.timezone;
  const before = offsetMinutes(at - 3 * 3600, zone);
  const after = offsetMinutes(at + 3 * 3600, zone);
  if (before === after) return null;
  if (!times.matchesLocalTime(at)) return 'nonexistent';
  const shift = Math.abs(before - after) * 60;
  const wall = (t: number) => localIso(t, zone).slice(0, 19);
  if (wall(at + shift) === wall(at) || wall(at - shift) === wall(at)) return 'ambiguous';
  return null;
}
