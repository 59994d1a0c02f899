import { dstFlag, localIso, normaliseSchedule, parseEvery, Schedule, ScheduleTimes } from './schedule';

const at = (iso: string) => Date.parse(iso) / 1000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const cron = (pattern: string, timezone: string): Schedule => ({ cron: pattern, timezone, catch_up: 'once', enabled: true });

describe('parseEvery', () => {
  it('reads whole numbers with s, m, h and d', () => {
    expect([parseEvery('90s'), parseEvery('15m'), parseEvery('2h'), parseEvery('1d')]).toEqual([90, 900, 7200, 86_400]);
  });
  it('refuses anything else', () => {
    expect(['15', 'm', '1.5h', '-1m', '0m', '1w', '', '1 m'].map(parseEvery)).toEqual(Array(8).fill(null));
  });
});

describe('normaliseSchedule', () => {
  it('fills in the defaults', () => {
    expect(normaliseSchedule({ every: '15m' }).schedule).toEqual({ every: '15m', timezone: 'UTC', catch_up: 'once', enabled: true });
  });
  it.each([
    [{ cron: '61 * * * *' }, '/schedule/cron'],
    [{ cron: '* * *' }, '/schedule/cron'],
    [{ every: '30s' }, '/schedule/every'],
    [{ cron: '* * * * * *' }, '/schedule/cron'],
    [{ cron: '*/10 * * * * *' }, '/schedule/cron'],
    [{ cron: '0,30 * * * * *' }, '/schedule/cron'],
    [{ every: 'often' }, '/schedule/every'],
    [{ cron: '0 6 * * *', every: '1h' }, '/schedule'],
    [{}, '/schedule'],
    [{ every: '1h', timezone: 'Mars/Olympus' }, '/schedule/timezone'],
  ])('%j is refused at %s', (input, pointer) => {
    expect(normaliseSchedule(input).errors.map((error) => error.path)).toEqual([pointer]);
  });
});

describe('normaliseSchedule with seconds', () => {
  it('takes a 6-field cron whose seconds field is one number: at most one fire a minute', () => {
    expect(normaliseSchedule({ cron: '30 * * * * *' }).errors).toEqual([]);
  });
});

describe('ScheduleTimes', () => {
  it('parses each distinct schedule once (of)', () => {
    const a = ScheduleTimes.of(cron('0 6 * * *', 'Europe/Berlin'));
    expect(ScheduleTimes.of({ ...cron('0 6 * * *', 'Europe/Berlin'), catch_up: 'skip' })).toBe(a);
    expect(ScheduleTimes.of(cron('0 6 * * *', 'UTC'))).not.toBe(a);
  });

  it('aligns every to the epoch and lists slots in a window', () => {
    const times = new ScheduleTimes({ every: '15m', timezone: 'UTC', catch_up: 'once', enabled: true });
    expect(iso(times.nextAfter(at('2027-01-01T00:00:00Z'))!)).toBe('2027-01-01T00:15:00.000Z');
    const { slots, total } = times.slotsBetween(at('2027-01-01T00:00:00Z'), at('2027-01-02T00:00:00Z') - 1, 2);
    expect(total).toBe(96);
    expect(slots.map(iso)).toEqual(['2027-01-01T23:30:00.000Z', '2027-01-01T23:45:00.000Z']);
  });
  it('lists cron slots strictly after, inclusive of the window start', () => {
    const times = new ScheduleTimes(cron('*/15 * * * *', 'UTC'));
    expect(iso(times.nextAfter(at('2027-01-01T00:00:00Z'))!)).toBe('2027-01-01T00:15:00.000Z');
    expect(times.slotsBetween(at('2027-01-01T00:00:00Z'), at('2027-01-01T01:00:00Z'), 10).total).toBe(5);
  });
  it('never repeats an instant around a spring-forward gap', () => {
    const times = new ScheduleTimes(cron('30 * * * *', 'Europe/Berlin'));
    const { slots } = times.slotsBetween(at('2027-03-27T23:00:00Z'), at('2027-03-28T04:00:00Z'), 10);
    expect(slots.map(iso)).toEqual(['2027-03-27T23:30:00.000Z', '2027-03-28T00:30:00.000Z', '2027-03-28T01:30:00.000Z', '2027-03-28T02:30:00.000Z', '2027-03-28T03:30:00.000Z']);
  });
});

describe('DST flags of a local 02:30 cron', () => {
  const fires = (zone: string, from: string, pattern = '30 2 * * *') => {
    const times = new ScheduleTimes(cron(pattern, zone));
    const out: { local: string; dst: string | null }[] = [];
    for (let t = times.nextAfter(at(from)), n = 0; t !== null && n < 3; t = times.nextAfter(t), n++) out.push({ local: localIso(t, zone), dst: dstFlag(times, t) });
    return out;
  };
  it('Europe/Berlin spring forward: once, at 03:30, flagged nonexistent', () => {
    expect(fires('Europe/Berlin', '2027-03-26T12:00:00Z')).toEqual([
      { local: '2027-03-27T02:30:00+01:00', dst: null },
      { local: '2027-03-28T03:30:00+02:00', dst: 'nonexistent' },
      { local: '2027-03-29T02:30:00+02:00', dst: null },
    ]);
  });
  it('Europe/Berlin fall back: once, at the first 02:30, flagged ambiguous', () => {
    expect(fires('Europe/Berlin', '2027-10-30T12:00:00Z')).toEqual([
      { local: '2027-10-31T02:30:00+02:00', dst: 'ambiguous' },
      { local: '2027-11-01T02:30:00+01:00', dst: null },
      { local: '2027-11-02T02:30:00+01:00', dst: null },
    ]);
  });
  it('America/New_York spring forward and fall back (01:30 is the repeated hour there)', () => {
    expect(fires('America/New_York', '2027-03-13T12:00:00Z')[0]).toEqual({ local: '2027-03-14T03:30:00-04:00', dst: 'nonexistent' });
    expect(fires('America/New_York', '2027-11-06T12:00:00Z')[0]).toEqual({ local: '2027-11-07T02:30:00-05:00', dst: null });
    expect(fires('America/New_York', '2027-11-06T12:00:00Z', '30 1 * * *')[0]).toEqual({ local: '2027-11-07T01:30:00-04:00', dst: 'ambiguous' });
  });
});
