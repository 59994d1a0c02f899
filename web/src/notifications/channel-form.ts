import type { components } from '../../../openapi/client';
import type { FieldError } from '../api/problem';
import { pointerSegments, SECRET_MASK } from '../form/form-schema';

type Channel = components['schemas']['NotificationChannelDto'];
export type ChannelType = components['schemas']['NotificationChannelType'];
export type ChannelEvent = Channel['events'][number];
export type CreateChannelBody = components['schemas']['CreateNotificationChannelDto'];
export type UpdateChannelBody = components['schemas']['UpdateNotificationChannelDto'];
export type SmtpSecurity = 'starttls' | 'tls' | 'none';

/** The events a channel can announce, each with what it means (docs/notifications.md#channels). */
export const CHANNEL_EVENTS: { value: ChannelEvent; label: string; meaning: string }[] = [
  { value: 'execution.failed', label: 'Run failed', meaning: 'A run failed, timed out or was interrupted, after its retries.' },
  { value: 'execution.succeeded', label: 'Run succeeded', meaning: 'A run finished without error.' },
  { value: 'execution.recovered', label: 'Recovered', meaning: 'The first success after a failure streak this channel announced.' },
  { value: 'instance.auto_disabled', label: 'Instance disabled', meaning: 'An instance disabled itself after too many failures in a row.' },
];

/**
 * A stored secret of a channel, on an edit: keep it (nothing is sent, the server keeps it), or replace it with a new
 * value. `new` is a channel that has none yet. A webhook secret may also be left to the server to generate.
 */
export type SecretChoice = 'new' | 'keep' | 'replace' | 'generate';

/** The channel form: what the user sees, as strings where they type. */
export interface ChannelForm {
  name: string;
  type: ChannelType;
  enabled: boolean;
  events: ChannelEvent[];
  /** null: any instance; else only these (ids). */
  instanceIds: string[] | null;
  /** null: any template; else only these (ids). */
  templateIds: string[] | null;
  failureThreshold: string;
  groupWindowSeconds: string;
  webhook: { url: string; secret: SecretChoice; newSecret: string };
  slack: { webhookUrl: SecretChoice; newWebhookUrl: string };
  email: { host: string; port: string; security: SmtpSecurity; login: boolean; username: string; password: SecretChoice; newPassword: string; from: string; to: string[] };
}

const str = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');

/** The form for a new channel, or for editing `channel` (its secrets kept unless the user replaces them). */
export function channelForm(channel?: Channel): ChannelForm {
  const config = channel?.config ?? {};
  const type = channel?.type ?? 'webhook';
  const stored = (key: string): boolean => config[key] === SECRET_MASK;
  return {
    name: channel?.name ?? '',
    type,
    enabled: channel?.enabled ?? true,
    events: channel ? [...channel.events] : ['execution.failed', 'execution.recovered'],
    instanceIds: channel?.instance_ids ?? null,
    templateIds: channel?.template_ids ?? null,
    failureThreshold: String(channel?.failure_threshold ?? 1),
    groupWindowSeconds: String(channel?.group_window_seconds ?? 300),
    webhook: { url: type === 'webhook' ? str(config.url) : '', secret: type === 'webhook' && stored('secret') ? 'keep' : 'generate', newSecret: '' },
    slack: { webhookUrl: type === 'slack' && stored('webhook_url') ? 'keep' : 'new', newWebhookUrl: '' },
    email: {
      host: type === 'email' ? str(config.host) : '',
      port: type === 'email' ? str(config.port) : '',
      security: type === 'email' && (config.security === 'tls' || config.security === 'none') ? config.security : 'starttls',
      login: type === 'email' && typeof config.username === 'string',
      username: type === 'email' ? str(config.username) : '',
      password: type === 'email' && stored('password') ? 'keep' : 'new',
      newPassword: '',
      from: type === 'email' ? str(config.from) : '',
      to: type === 'email' && Array.isArray(config.to) && config.to.length > 0 ? config.to.map(str) : [''],
    },
  };
}

/** A whole number typed into a field; what the user typed when it is not one (the server then says why). */
function integer(text: string): number | string {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/**
 * The config for the form's type, as the API takes it (docs/notifications.md). A kept secret is left out, so the
 * server keeps the stored one; the mask is never sent as a value. Slack's one setting is its secret URL: a kept URL
 * means no config at all (`undefined`), as a PATCH without `config` keeps it.
 */
export function channelConfig(form: ChannelForm): Record<string, unknown> | undefined {
  switch (form.type) {
    case 'webhook': {
      const { url, secret, newSecret } = form.webhook;
      return { url: url.trim(), ...(secret === 'replace' || secret === 'new' ? { secret: newSecret.trim() } : {}) };
    }
    case 'slack':
      return form.slack.webhookUrl === 'keep' ? undefined : { webhook_url: form.slack.newWebhookUrl.trim() };
    case 'email': {
      const email = form.email;
      const config: Record<string, unknown> = { host: email.host.trim(), security: email.security };
      if (email.port.trim() !== '') config.port = integer(email.port);
      if (email.login) {
        config.username = email.username;
        if (email.password !== 'keep') config.password = email.newPassword;
      }
      config.from = email.from.trim();
      config.to = email.to.map((address) => address.trim());
      return config;
    }
  }
}

/** The body of POST /api/notifications/channels. */
export function createChannelBody(form: ChannelForm): CreateChannelBody {
  return {
    name: form.name.trim(),
    type: form.type,
    config: channelConfig(form) ?? {},
    events: form.events,
    ...(form.instanceIds !== null ? { instance_ids: form.instanceIds } : {}),
    ...(form.templateIds !== null ? { template_ids: form.templateIds } : {}),
    failure_threshold: integer(form.failureThreshold) as number,
    group_window_seconds: integer(form.groupWindowSeconds) as number,
    enabled: form.enabled,
  };
}

/**
 * The body of PATCH /api/notifications/channels/{id}: every field of the form (null filters meaning "any"), the config
 * only when the type has one to send (see channelConfig).
 */
export function updateChannelBody(form: ChannelForm): UpdateChannelBody {
  const config = channelConfig(form);
  return {
    name: form.name.trim(),
    ...(config ? { config } : {}),
    events: form.events,
    instance_ids: form.instanceIds,
    template_ids: form.templateIds,
    failure_threshold: integer(form.failureThreshold) as number,
    group_window_seconds: integer(form.groupWindowSeconds) as number,
    enabled: form.enabled,
  };
}

/** Problems the form can tell before asking the server (it checks everything again). */
export function localErrors(form: ChannelForm): FieldError[] {
  const errors: FieldError[] = [];
  if (form.name.trim() === '') errors.push({ path: '/name', message: 'Give the channel a name.' });
  if (form.events.length === 0) errors.push({ path: '/events', message: 'Choose at least one event to announce.' });
  if (form.type === 'webhook' && form.webhook.secret === 'replace' && form.webhook.newSecret.trim() === '') errors.push({ path: '/config/secret', message: 'Enter the new secret, or keep the stored one.' });
  if (form.type === 'slack' && form.slack.webhookUrl !== 'keep' && form.slack.newWebhookUrl.trim() === '') errors.push({ path: '/config/webhook_url', message: 'Enter the incoming-webhook URL Slack gave you.' });
  if (form.type === 'email' && form.email.login && form.email.password !== 'keep' && form.email.newPassword === '') errors.push({ path: '/config/password', message: 'Enter the password for this login.' });
  return errors;
}

/**
 * The id of the control a problem's pointer names (`/config/to/2` → `channel-config-to-2`), so its message shows
 * under that control and the summary links there. A pointer into a list of checkboxes names the list.
 */
export function channelFieldId(pointer: string): string {
  const segments = pointerSegments(pointer);
  if (segments[0] === 'events' || segments[0] === 'instance_ids' || segments[0] === 'template_ids') return `channel-${segments[0]}`;
  return ['channel', ...segments].join('-').replace(/[^A-Za-z0-9_-]/g, '_');
}

const FIELD_TITLES: Record<string, string> = {
  name: 'Name',
  type: 'Type',
  events: 'Announce',
  instance_ids: 'Instances',
  template_ids: 'Templates',
  failure_threshold: 'Failures before announcing',
  group_window_seconds: 'Group repeats within',
  enabled: 'Enabled',
  'config/url': 'URL',
  'config/secret': 'Signing secret',
  'config/webhook_url': 'Slack incoming-webhook URL',
  'config/host': 'SMTP server',
  'config/port': 'Port',
  'config/security': 'Security',
  'config/username': 'Username',
  'config/password': 'Password',
  'config/from': 'From',
  'config/to': 'To',
};

/** The label of the control a pointer names, as the error summary shows it: `/config/to/2` → "Recipient 3". */
export function channelFieldTitle(pointer: string): string {
  const segments = pointerSegments(pointer);
  if (segments[0] === 'config' && segments[1] === 'to' && segments.length === 3 && /^\d+$/.test(segments[2])) return `Recipient ${Number(segments[2]) + 1}`;
  if (segments[0] !== 'config') return FIELD_TITLES[segments[0]] ?? pointer;
  return FIELD_TITLES[segments.slice(0, 2).join('/')] ?? pointer;
}

/** Errors by the control they belong to: each message under its field, the rest (no such control) in `other`. */
export function errorsByField(errors: readonly FieldError[], fieldIds: ReadonlySet<string>): { byField: Map<string, string[]>; other: FieldError[] } {
  const byField = new Map<string, string[]>();
  const other: FieldError[] = [];
  for (const error of errors) {
    const id = channelFieldId(error.path);
    if (fieldIds.has(id)) byField.set(id, [...(byField.get(id) ?? []), error.message]);
    else other.push(error);
  }
  return { byField, other };
}

/** The channel types, as the console names and explains them. */
export const CHANNEL_TYPES: Record<ChannelType, { label: string; meaning: string }> = {
  webhook: { label: 'Webhook', meaning: 'A JSON POST to your URL, signed per Standard Webhooks so the receiver can verify it.' },
  slack: { label: 'Slack', meaning: 'A message through a Slack incoming webhook.' },
  email: { label: 'Email', meaning: 'A plain-text email through your SMTP server.' },
};

export const eventLabel = (event: string): string => CHANNEL_EVENTS.find((item) => item.value === event)?.label ?? (event === 'notification.test' ? 'Test' : event);

/** "Any instance", "2 instances", "Templates: table_loader". */
export function filterSummary(instanceIds: string[] | null, templateIds: string[] | null): string {
  const parts: string[] = [];
  if (instanceIds !== null) parts.push(`${instanceIds.length} instance${instanceIds.length === 1 ? '' : 's'}`);
  if (templateIds !== null) parts.push(`templates: ${templateIds.join(', ') || 'none'}`);
  return parts.length === 0 ? 'Any instance' : parts.join('; ');
}
