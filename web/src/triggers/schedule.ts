import type { components } from '../../../openapi/client';
import type { FieldError } from '../api/problem';

export type Schedule = components['schemas']['ScheduleDto'];
export type ScheduleInput = components['schemas']['ScheduleInputDto'];
export type PreviewFire = components['schemas']['PreviewFireDto'];

/** What the schedule editor holds: both texts stay while the user switches between cron and every. */
export interface ScheduleForm {
  kind: 'cron' | 'every';
  cron: string;
  every: string;
  timezone: string;
  catch_up: 'once' | 'skip';
  enabled: boolean;
}

/** The editor's fields, and where the server's errors for each land. `kind` takes errors about the schedule as a whole. */
export type ScheduleField = 'kind' | 'cron' | 'every' | 'timezone' | 'catch_up' | 'enabled';

/** The form for a saved schedule, or a new one (a daily cron at 02:00 in the reader's zone) when there is none. */
export function formFromSchedule(schedule: Schedule | null | undefined, readerZone: string): ScheduleForm {
  if (!schedule) return { kind: 'cron', cron: '0 2 * * *', every: '1h', timezone: readerZone, catch_up: 'once', enabled: true };
  return {
    kind: schedule.every ? 'every' : 'cron',
    cron: schedule.cron ?? '',
    every: schedule.every ?? '',
    timezone: schedule.timezone,
    catch_up: schedule.catch_up,
    enabled: schedule.enabled,
  };
}

/**
 * The `schedule` of PUT /instances/{id} and POST /schedule/preview: only the chosen one of cron and every, trimmed.
 * An empty time zone is left out, so the server's default (UTC) applies.
 */
export function scheduleFromForm(form: ScheduleForm): ScheduleInput {
  const timezone = form.timezone.trim();
  return {
    ...(form.kind === 'cron' ? { cron: form.cron.trim().replace(/\s+/g, ' ') } : { every: form.every.trim() }),
    ...(timezone ? { timezone } : {}),
    catch_up: form.catch_up,
    enabled: form.enabled,
  };
}

/** True when the chosen expression is still empty: nothing to preview or save yet. */
export const isBlank = (form: ScheduleForm): boolean => (form.kind === 'cron' ? form.cron : form.every).trim() === '';

/**
 * The server's field errors (JSON Pointers under `/schedule`) by editor field. An error on `/schedule` itself (both or
 * neither of cron and every) goes to `kind`; one the editor has no field for goes there too, so none is lost.
 */
export function errorsByField(errors: readonly FieldError[]): Partial<Record<ScheduleField, string[]>> {
  const byField: Partial<Record<ScheduleField, string[]>> = {};
  for (const error of errors) {
    const match = /^\/schedule\/(cron|every|timezone|catch_up|enabled)(?:\/|$)/.exec(error.path);
    const field: ScheduleField = match ? (match[1] as ScheduleField) : 'kind';
    const list = (byField[field] ??= []);
    if (!list.includes(error.message)) list.push(error.message);
  }
  return byField;
}

/** What a DST flag means for one fire, in words; null when no DST change touches it. */
export function dstNote(dst: PreviewFire['dst']): string | null {
  if (dst === 'nonexistent') return 'Clocks spring forward that day, so this local time does not exist: it runs once, at the first local time after the gap.';
  if (dst === 'ambiguous') return 'Clocks fall back that day, so this local time happens twice: it runs once, at the first of them.';
  return null;
}

/** A schedule in one line of words: "cron 0 2 * * * in Europe/Berlin" or "every 15m (UTC slots)", plus what differs from the defaults. */
export function describeSchedule(schedule: Schedule): string {
  const what = schedule.cron ? `cron ${schedule.cron} in ${schedule.timezone}` : `every ${schedule.every}`;
  const extras = [schedule.catch_up === 'skip' ? 'missed slots skipped' : 'one catch-up run after downtime', schedule.enabled ? '' : 'paused'].filter(Boolean);
  return `${what}; ${extras.join(', ')}`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (value: number) => String(value).padStart(2, '0');

/** A wall-clock time ("2027-03-28T03:30:00") as "Sun 28 Mar 2027, 03:30": the same in every browser, 24-hour, seconds only when set. */
function formatWall(wall: string): string {
  const date = new Date(`${wall}Z`);
  if (Number.isNaN(date.getTime())) return wall;
  const seconds = date.getUTCSeconds() === 0 ? '' : `:${two(date.getUTCSeconds())}`;
  return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}${seconds}`;
}

/** A fire's `local_time` ("2027-03-28T03:30:00+02:00") as read on a wall clock there: "Sun, 28 Mar 2027, 03:30 (UTC+02:00)". */
export function formatLocalTime(localTime: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(localTime);
  if (!match) return localTime;
  return `${formatWall(match[1])} (UTC${match[2] === 'Z' ? '' : match[2]})`;
}

/** A moment in UTC: "Sun, 28 Mar 2027, 01:30 UTC". */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${formatWall(date.toISOString().slice(0, 19))} UTC`;
}

/** The IANA time zones this browser knows, for the zone picker; UTC first. */
export function timeZones(supported: () => string[] = () => Intl.supportedValuesOf('timeZone')): string[] {
  let zones: string[];
  try {
    zones = supported();
  } catch {
    zones = [];
  }
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
}

/**
 * The zones a search matches, best first: the exact name, then cities starting with the first word, then the rest.
 * "new york", "new_york" and "America/New" all find America/New_York.
 */
export function searchZones(zones: readonly string[], query: string, limit = 50): string[] {
  const words = query
    .toLowerCase()
    .split(/[\s_/]+/)
    .filter(Boolean);
  if (words.length === 0) return zones.slice(0, limit);
  const exact = query.trim().toLowerCase();
  const scored: Array<{ zone: string; score: number }> = [];
  for (const zone of zones) {
    const name = zone.toLowerCase().replace(/_/g, ' ');
    if (!words.every((word) => name.includes(word))) continue;
    const city = name.slice(name.lastIndexOf('/') + 1);
    scored.push({ zone, score: zone.toLowerCase() === exact ? 0 : city.startsWith(words[0]) ? 1 : 2 });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.zone.localeCompare(b.zone))
    .slice(0, limit)
    .map((entry) => entry.zone);
}
