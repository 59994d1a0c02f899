import { loadSettings } from '../config/settings';
import { RECENT_TICKS, SchedulerFigures } from './scheduler-figures';

describe('SchedulerFigures', () => {
  const figures = () => new SchedulerFigures(loadSettings({ SCHEDULER_TICK_MS: '2000' }));
  const counts = { due: 3, fired: 2, skipped: 1 };

  it('shows the latest tick, and zeros before any', () => {
    const subject = figures();
    expect(subject.snapshot()).toMatchObject({ tick_interval_ms: 2000, last_tick: null, recent: { ticks: 0, p99_ms: 0 } });
    subject.recordTick(Date.parse('2027-01-04T00:00:00Z') / 1000, 12.3456, counts);
    expect(subject.snapshot().last_tick).toEqual({ started_at: '2027-01-04T00:00:00.000Z', duration_ms: 12.35, due: 3, fired: 2, skipped: 1 });
  });

  it('keeps the latest RECENT_TICKS durations for mean, nearest-rank p99 and max, and totals since start', () => {
    const subject = figures();
    subject.recordTick(0, 5000, counts); // pushed out of the recent window by the ticks below
    for (let ms = 1; ms <= RECENT_TICKS; ms++) subject.recordTick(ms, ms, counts);
    subject.recordFailure();
    subject.recordOverrun();
    const { recent, since_start } = subject.snapshot();
    expect(recent).toEqual({ ticks: RECENT_TICKS, mean_ms: (RECENT_TICKS + 1) / 2, p99_ms: Math.ceil(0.99 * RECENT_TICKS), max_ms: RECENT_TICKS });
    expect(since_start).toEqual({
      ticks: RECENT_TICKS + 1,
      failed: 1,
      overrun: 1,
      due: 3 * (RECENT_TICKS + 1),
      fired: 2 * (RECENT_TICKS + 1),
      skipped: RECENT_TICKS + 1,
      duration_ms: 5000 + (RECENT_TICKS * (RECENT_TICKS + 1)) / 2,
      max_ms: 5000,
    });
  });
});
