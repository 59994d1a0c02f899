import { describeSchedule, dstNote, errorsByField, formatLocalTime, formatUtc, formFromSchedule, isBlank, scheduleFromForm, searchZones, timeZones } from './schedule';

describe('the schedule editor form', () => {
  it('starts a new schedule as a daily cron in the reader’s zone, and reads a saved one back', () => {
    expect(formFromSchedule(null, 'Europe/Berlin')).toEqual({ kind: 'cron', cron: '0 2 * * *', every: '1h', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true });
    expect(formFromSchedule({ every: '15m', timezone: 'UTC', catch_up: 'skip', enabled: false }, 'Europe/Berlin')).toEqual({ kind: 'every', cron: '', every: '15m', timezone: 'UTC', catch_up: 'skip', enabled: false });
  });

  it('sends only the chosen one of cron and every, trimmed, and leaves an empty zone to the server’s default', () => {
    const form = { kind: 'cron' as const, cron: '  0  2 * *   * ', every: '15m', timezone: ' Europe/Berlin ', catch_up: 'once' as const, enabled: true };
    expect(scheduleFromForm(form)).toEqual({ cron: '0 2 * * *', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true });
    expect(scheduleFromForm({ ...form, kind: 'every', every: ' 90s ', timezone: '', catch_up: 'skip', enabled: false })).toEqual({ every: '90s', catch_up: 'skip', enabled: false });
    expect(isBlank({ ...form, cron: '   ' })).toBe(true);
    expect(isBlank({ ...form, kind: 'every' })).toBe(false);
  });

  it('puts the server’s errors on their fields by JSON Pointer, and the rest on the schedule as a whole', () => {
    expect(
      errorsByField([
        { path: '/schedule/cron', message: 'must have 5 or 6 fields' },
        { path: '/schedule/cron', message: 'must have 5 or 6 fields' },
        { path: '/schedule/timezone', message: "unknown time zone 'Mars/Base'" },
        { path: '/schedule', message: 'needs exactly one of cron and every' },
        { path: '/count', message: 'must be <= 100' },
      ]),
    ).toEqual({
      cron: ['must have 5 or 6 fields'],
      timezone: ["unknown time zone 'Mars/Base'"],
      kind: ['needs exactly one of cron and every', 'must be <= 100'],
    });
  });
});

describe('schedule words and times', () => {
  it('explains the DST flags in words', () => {
    expect(dstNote('nonexistent')).toMatch(/spring forward.*does not exist.*first local time after the gap/);
    expect(dstNote('ambiguous')).toMatch(/fall back.*happens twice.*once/);
    expect(dstNote(null)).toBeNull();
  });

  it('describes a schedule in one line', () => {
    expect(describeSchedule({ cron: '0 2 * * *', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true })).toBe('cron 0 2 * * * in Europe/Berlin; one catch-up run after downtime');
    expect(describeSchedule({ every: '15m', timezone: 'UTC', catch_up: 'skip', enabled: false })).toBe('every 15m; missed slots skipped, paused');
  });

  it('reads a local time as a wall clock there shows it, with its offset, and UTC as UTC', () => {
    expect(formatLocalTime('2027-03-28T03:30:00+02:00')).toBe('Sun 28 Mar 2027, 03:30 (UTC+02:00)');
    expect(formatLocalTime('2027-03-28T03:30:15-04:00')).toBe('Sun 28 Mar 2027, 03:30:15 (UTC-04:00)');
    expect(formatLocalTime('not a time')).toBe('not a time');
    expect(formatUtc('2027-03-28T01:30:00.000Z')).toBe('Sun 28 Mar 2027, 01:30 UTC');
  });
});

describe('the time zone picker', () => {
  const zones = ['Africa/Abidjan', 'America/New_York', 'America/North_Dakota/New_Salem', 'Europe/Berlin', 'Europe/Busingen', 'Pacific/Auckland', 'UTC'];

  it('lists UTC first, once, even when the browser leaves it out or knows no zones', () => {
    expect(timeZones(() => ['Europe/Berlin', 'UTC'])).toEqual(['UTC', 'Europe/Berlin']);
    expect(timeZones(() => ['Europe/Berlin'])).toEqual(['UTC', 'Europe/Berlin']);
    expect(
      timeZones(() => {
        throw new Error('no Intl.supportedValuesOf');
      }),
    ).toEqual(['UTC']);
  });

  it('finds zones by any part of their name, with spaces for underscores, cities first', () => {
    expect(searchZones(zones, 'new york')).toEqual(['America/New_York']);
    expect(searchZones(zones, 'America/New')).toEqual(['America/New_York', 'America/North_Dakota/New_Salem']);
    expect(searchZones(zones, 'new')).toEqual(['America/New_York', 'America/North_Dakota/New_Salem']);
    expect(searchZones(zones, 'b')).toEqual(['Europe/Berlin', 'Europe/Busingen', 'Africa/Abidjan']);
    expect(searchZones(zones, 'europe/berlin')).toEqual(['Europe/Berlin']);
    expect(searchZones(zones, '  ', 2)).toEqual(['Africa/Abidjan', 'America/New_York']);
    expect(searchZones(zones, 'mars')).toEqual([]);
  });
});
