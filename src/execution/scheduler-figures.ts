import { Injectable } from '@nestjs/common';
import { epochSecondsToIso } from '../common/time';
import { Settings } from '../config/settings';

/** Ticks the `recent` figures cover: about a minute and a half at the default 1 s tick, enough for a p99 that is not the max. */
export const RECENT_TICKS = 100;

export interface TickFigures {
  /** The scheduler's clock when the tick began (ISO): the "now" it fired against. */
  started_at: string;
  /** Wall time the tick took, finding and firing every due slot. */
  duration_ms: number;
  /** Instances whose next slot had come. */
  due: number;
  fired: number;
  skipped: number;
}

export interface SchedulerFiguresSnapshot {
  tick_interval_ms: number;
  last_tick: TickFigures | null;
  recent: { ticks: number; mean_ms: number; p99_ms: number; max_ms: number };
  since_start: {
    ticks: number;
    /** Ticks that threw (logged); the next tick tries again. */
    failed: number;
    /** Timer ticks left out because the previous tick was still running. */
    overrun: number;
    due: number;
    fired: number;
    skipped: number;
    /** Sum of the tick durations: (difference over a window) / (ticks in it) is the window's mean. */
    duration_ms: number;
    max_ms: number;
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * Running figures of the scheduler's ticks, in memory for this process, shown by GET /health: how long
 * finding and firing due slots takes, and what each tick did. The scheduler records; nothing here decides
 * anything about schedules.
 */
@Injectable()
export class SchedulerFigures {
  private last: TickFigures | null = null;
  /** Durations of the latest RECENT_TICKS ticks, a ring. */
  private readonly recentMs: number[] = [];
  private nextSlot = 0;
  private readonly totals = { ticks: 0, failed: 0, overrun: 0, due: 0, fired: 0, skipped: 0, duration_ms: 0, max_ms: 0 };

  constructor(private readonly settings: Settings) {}

  recordTick(startedAtSeconds: number, durationMs: number, counts: { due: number; fired: number; skipped: number }): void {
    this.last = { started_at: epochSecondsToIso(startedAtSeconds), duration_ms: round(durationMs), ...counts };
    this.recentMs[this.nextSlot] = durationMs;
    this.nextSlot = (this.nextSlot + 1) % RECENT_TICKS;
    this.totals.ticks++;
    this.totals.due += counts.due;
    this.totals.fired += counts.fired;
    this.totals.skipped += counts.skipped;
    this.totals.duration_ms += durationMs;
    this.totals.max_ms = Math.max(this.totals.max_ms, durationMs);
  }

  recordFailure(): void {
    this.totals.failed++;
  }

  recordOverrun(): void {
    this.totals.overrun++;
  }

  snapshot(): SchedulerFiguresSnapshot {
    const sorted = [...this.recentMs].sort((a, b) => a - b);
    const count = sorted.length;
    const mean = count === 0 ? 0 : sorted.reduce((sum, ms) => sum + ms, 0) / count;
    // Nearest rank: the smallest duration that at least 99% of the recent ticks do not exceed.
    const p99 = count === 0 ? 0 : sorted[Math.ceil(0.99 * count) - 1];
    return {
      tick_interval_ms: this.settings.schedulerTickMs,
      last_tick: this.last && { ...this.last },
      recent: { ticks: count, mean_ms: round(mean), p99_ms: round(p99), max_ms: round(count === 0 ? 0 : sorted[count - 1]) },
      since_start: { ...this.totals, duration_ms: round(this.totals.duration_ms), max_ms: round(this.totals.max_ms) },
    };
  }
}
