import type { NotificationPayload } from './notification-outbox.entity';

/** A notification in words: the email subject and plain-text body; Slack gets both as one text. */
export interface NotificationMessage {
  subject: string;
  text: string;
}

const PREFIX = '[PIF]';
const MAX_NAME = 200;
const MAX_ERROR = 2000;
const MAX_LISTED_EXECUTIONS = 20;

const STATUS_WORDS: Record<string, string> = { failed: 'failed', timed_out: 'timed out', interrupted: 'was interrupted', succeeded: 'succeeded' };

/**
 * Describes a notification payload (`{type, timestamp, data}`, as webhooks receive it) for people: a concise
 * subject, the instance's name first, and a body with what happened, the error, the ids and the times. Fields a
 * payload may lack (instance_name, consecutive_failures, previous_failures, occurrences, first_at, last_at,
 * execution_ids) are used only when present, so older outbox rows still read well.
 */
export function describeNotification(payload: NotificationPayload): NotificationMessage {
  const data = payload.data ?? {};
  const type: string = payload.type;
  if (type === 'notification.test') {
    const lines = ['A test message from the Plugin Instance Framework: this channel works.', ''];
    lines.push(...table([['Channel', text(data.channel_id)], ['Sent', time(payload.timestamp)]]));
    return { subject: `${PREFIX} Test notification`, text: lines.join('\n') };
  }

  const name = oneLine(text(data.instance_name) ?? text(data.instance_id) ?? 'an instance', MAX_NAME);
  const template = text(data.template_id);
  const status = text(data.status);
  const occurrences = count(data.occurrences);
  const consecutive = count(data.consecutive_failures);
  const previous = count(data.previous_failures);
  const firstAt = text(data.first_at);
  const lastAt = text(data.last_at) ?? text(data.finished_at) ?? payload.timestamp;
  const grouped = occurrences !== null && occurrences > 1;
  const since = firstAt ? ` since ${shortTime(firstAt, lastAt)}` : '';
  const who = `${name}${template ? ` (template ${template})` : ''}`;

  let headline: string;
  let summary: string;
  switch (type) {
    case 'execution.failed':
      if (grouped) {
        headline = `${name} failed (${occurrences} times${since})`;
        summary = `${who} failed ${occurrences} times${firstAt ? ` between ${time(firstAt)} and ${time(lastAt)}` : ''}; the repeats were grouped into this one message. The last run:`;
      } else if (consecutive !== null && consecutive > 1) {
        headline = `${name} failed ${consecutive} times in a row`;
        summary = `${who} ${statusWord(status)}: ${consecutive} failed runs in a row.`;
      } else {
        headline = `${name} ${statusWord(status)}`;
        summary = `${who} ${statusWord(status)}.`;
      }
      break;
    case 'execution.succeeded':
      headline = grouped ? `${name} succeeded (${occurrences} times${since})` : `${name} succeeded`;
      summary = grouped ? `${who} succeeded ${occurrences} times${firstAt ? ` between ${time(firstAt)} and ${time(lastAt)}` : ''}. The last run:` : `${who} succeeded.`;
      break;
    case 'execution.recovered':
      headline = previous !== null ? `${name} recovered after ${plural(previous, 'failure')}` : `${name} recovered`;
      summary = `${who} succeeded again${previous !== null ? ` after ${plural(previous, 'failed run')}` : ''}.`;
      break;
    case 'instance.auto_disabled':
      headline = consecutive !== null ? `${name} was disabled after ${consecutive} consecutive failures` : `${name} was disabled after repeated failures`;
      summary = `${who} was disabled automatically after ${consecutive !== null ? plural(consecutive, 'consecutive failed run') : 'repeated failed runs'} (execution_policy.disable_after_failures). It does not run until it is enabled again.`;
      break;
    default:
      headline = `${name}: ${oneLine(type, 100)}`;
      summary = `${who}: ${oneLine(type, 100)}.`;
  }

  const lines = [summary];
  const error = errorMessage(data.error);
  if (error) lines.push('', `Error: ${error}`);
  const rows = table(details(data, { grouped, firstAt, lastAt, occurrences }));
  if (rows.length > 0) lines.push('', ...rows);
  return { subject: `${PREFIX} ${headline}`, text: lines.join('\n') };
}

function details(data: Record<string, unknown>, group: { grouped: boolean; firstAt: string | null; lastAt: string; occurrences: number | null }): [string, string | null][] {
  const executionId = text(data.execution_id);
  const attemptId = text(data.attempt_execution_id);
  const attempt = count(data.attempt);
  const rows: [string, string | null][] = [
    ['Instance', text(data.instance_name) && text(data.instance_id) ? `${oneLine(text(data.instance_name)!, MAX_NAME)} (${text(data.instance_id)})` : text(data.instance_id)],
    ['Template', text(data.template_id)],
    ['Execution', executionId],
    ['Attempt', attempt !== null && attempt > 1 ? `${attempt}${attemptId && attemptId !== executionId ? ` (execution ${attemptId})` : ''}` : null],
    ['Status', text(data.status)],
    ['Finished', text(data.finished_at) && time(text(data.finished_at)!)],
  ];
  if (group.grouped) {
    rows.push(['Occurrences', `${group.occurrences}${group.firstAt ? `, from ${time(group.firstAt)} to ${time(group.lastAt)}` : ''}`]);
    const ids = Array.isArray(data.execution_ids) ? data.execution_ids.filter((id): id is string => typeof id === 'string') : [];
    if (ids.length > 0) {
      const more = ids.length - MAX_LISTED_EXECUTIONS;
      rows.push(['Executions', `${ids.slice(0, MAX_LISTED_EXECUTIONS).join(', ')}${more > 0 ? ` and ${more} more` : ''}`]);
    }
  }
  return rows;
}

/** `Label:   value` lines, values aligned; rows without a value are left out. */
function table(rows: [string, string | null][]): string[] {
  const present = rows.filter((row): row is [string, string] => row[1] !== null && row[1] !== '');
  const width = Math.max(0, ...present.map(([label]) => label.length)) + 2;
  return present.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

const count = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null);

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

const statusWord = (status: string | null): string => (status && STATUS_WORDS[status]) ?? 'failed';

/** Control characters (line breaks included) become spaces: a subject is one header line. */
function oneLine(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001F\u007F-\u009F]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function errorMessage(error: unknown): string | null {
  if (!error || typeof error !== 'object') return null;
  const message = text((error as { message?: unknown }).message);
  if (!message) return null;
  return message.length > MAX_ERROR ? `${message.slice(0, MAX_ERROR - 1)}…` : message;
}

/** `2026-12-06 05:00:00 UTC`; a value that is not a time is shown as it is. */
function time(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return oneLine(iso, 100);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `02:00 UTC` when `at` falls on the same UTC day as `reference`, else with its date. */
function shortTime(at: string, reference: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return oneLine(at, 100);
  const iso = date.toISOString();
  const day = new Date(reference);
  const sameDay = !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === iso.slice(0, 10);
  return `${sameDay ? iso.slice(11, 16) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`} UTC`;
}
