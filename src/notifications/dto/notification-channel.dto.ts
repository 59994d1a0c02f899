import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString, IsUUID, MaxLength, ValidateIf } from 'class-validator';
import { BooleanField, EnumArrayField, EnumField, IntField, JsonObjectField, StringField, UuidArrayField } from '../../common/field.decorators';
import { epochSecondsToIso } from '../../common/time';
import { CHANNEL_EVENTS, CHANNEL_TYPES, ChannelEvent, ChannelType, DEFAULT_FAILURE_THRESHOLD, DEFAULT_GROUP_WINDOW_SECONDS, NotificationChannelEntity, StoredChannelConfig } from '../notification-channel.entity';

const MASK = '********';

export class CreateNotificationChannelDto {
  @StringField({ description: 'Unique name of the channel.', example: 'ops-alerts', minLength: 1, maxLength: 100, trim: true })
  name: string;

  @EnumField(CHANNEL_TYPES, 'NotificationChannelType', {
    description: '`webhook`: a JSON POST signed per Standard Webhooks; `slack`: a Slack incoming webhook; `email`: a plain-text email through an SMTP server.',
    example: 'webhook',
  })
  type: ChannelType;

  @JsonObjectField({
    description:
      'By type. webhook: `{url, secret?}` (`secret` a Standard Webhooks `whsec_` key; generated and answered once when omitted). slack: `{webhook_url}`. ' +
      'email: `{host, port?, security?, username?, password?, from, to}`: `host` the SMTP server (hostname or IP address); `security` `starttls` (default: ' +
      'plain connection upgraded with STARTTLS, refused when the server does not offer it), `tls` (TLS from the start) or `none`; `port` defaults to 465 ' +
      'for `tls`, 587 otherwise; `username` and `password` (SMTP AUTH) go together; `from` one address (`addr@example.org` or `Name <addr@example.org>`); ' +
      '`to` 1 to 50 addresses (repeats dropped). Secrets (the webhook secret, the Slack URL, the SMTP password) are stored sealed and never shown again.',
    example: { url: 'https://alerts.example.com/hooks/pif' },
  })
  config: Record<string, unknown>;

  @EnumArrayField(CHANNEL_EVENTS, { description: 'Which events it announces. `execution.failed`: a run failed, timed out or was interrupted (after its retries); `execution.succeeded`: a run succeeded; `execution.recovered`: the first success after failures this channel announced; `instance.auto_disabled`: `execution_policy.disable_after_failures` disabled an instance.', example: ['execution.failed', 'execution.recovered'] })
  events: ChannelEvent[];

  @UuidArrayField({ description: 'Only runs of these instances; omit for any instance.', example: ['3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15'], maxItems: 1000, optional: true })
  instance_ids?: string[];

  @ApiProperty({ required: false, type: [String], description: 'Only runs of instances of these templates; omit for any template.', example: ['http_fetcher'], maxItems: 1000 })
  @ValidateIf((_object: object, value: unknown) => value !== undefined)
  @IsArray({ message: '$property must be an array' })
  @ArrayMaxSize(1000)
  @IsString({ each: true, message: 'each of $property must be a string' })
  @MaxLength(200, { each: true })
  template_ids?: string[];

  @BooleanField({ description: 'A disabled channel announces nothing.', example: true, optional: true, default: true })
  enabled?: boolean;

  @IntField({
    description: 'Announce `execution.failed` only from the N-th failed run in a row of an instance (its `consecutive_failures`); `execution.recovered` is then sent only after a streak this long. 1: every failure.',
    example: 3,
    min: 1,
    max: 1000,
    optional: true,
    default: DEFAULT_FAILURE_THRESHOLD,
  })
  failure_threshold?: number;

  @IntField({
    description:
      'Repeats of one event for one instance within this many seconds are sent as one message: the first at once, the repeats together when the window ends (with `occurrences`, `first_at`, `last_at` and the newest `execution_ids`). 0: every event is its own message.',
    example: 600,
    min: 0,
    max: 86400,
    optional: true,
    default: DEFAULT_GROUP_WINDOW_SECONDS,
  })
  group_window_seconds?: number;}


/** A change to a channel: the fields given replace theirs; `null` filters mean any. The type cannot change. */
export class UpdateNotificationChannelDto {
  @StringField({ description: 'New unique name.', example: 'ops-alerts', minLength: 1, maxLength: 100, trim: true, optional: true })
  name?: string;

  @JsonObjectField({
    description: "The whole new config for the channel's type. A webhook config without `secret` keeps the current secret; an email config with `username` but without `password` keeps the current password.",
    example: { url: 'https://alerts.example.com/hooks/pif-v2' },
    optional: true,
  })
  config?: Record<string, unknown>;

  @EnumArrayField(CHANNEL_EVENTS, { description: 'Which events it announces. `execution.failed`: a run failed, timed out or was interrupted (after its retries); `execution.succeeded`: a run succeeded; `execution.recovered`: the first success after failures this channel announced; `instance.auto_disabled`: `execution_policy.disable_after_failures` disabled an instance.', example: ['execution.failed', 'execution.recovered', 'instance.auto_disabled'], optional: true })
  events?: ChannelEvent[];

  @ApiProperty({ required: false, type: [String], format: 'uuid', nullable: true, description: 'Only runs of these instances; null: any.', example: null })
  @ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null)
  @IsArray({ message: '$property must be an array or null' })
  @ArrayMaxSize(1000)
  @IsUUID('loose', { each: true, message: 'each of $property must be a uuid' })
  instance_ids?: string[] | null;

  @ApiProperty({ required: false, type: [String], nullable: true, description: 'Only runs of instances of these templates; null: any.', example: null })
  @ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null)
  @IsArray({ message: '$property must be an array or null' })
  @ArrayMaxSize(1000)
  @IsString({ each: true, message: 'each of $property must be a string' })
  @MaxLength(200, { each: true })
  template_ids?: string[] | null;

  @BooleanField({ description: 'A disabled channel announces nothing (messages already in the outbox are still sent).', example: false, optional: true })
  enabled?: boolean;

  @IntField({
    description: 'Announce `execution.failed` only from the N-th failed run in a row of an instance (its `consecutive_failures`); `execution.recovered` is then sent only after a streak this long. 1: every failure.',
    example: 3,
    min: 1,
    max: 1000,
    optional: true,
  })
  failure_threshold?: number;

  @IntField({
    description:
      'Repeats of one event for one instance within this many seconds are sent as one message: the first at once, the repeats together when the window ends (with `occurrences`, `first_at`, `last_at` and the newest `execution_ids`). 0: every event is its own message.',
    example: 600,
    min: 0,
    max: 86400,
    optional: true,
  })
  group_window_seconds?: number;
}

/** A channel as shown: its secrets never (a webhook's URL is shown, a Slack URL is masked: it is the credential; an SMTP password is masked). */
export class NotificationChannelDto {
  @ApiProperty({ format: 'uuid', example: '1c9e7a53-4b2d-4f6e-9a8c-0d2e4f6a8b1c' })
  id: string;

  @ApiProperty({ example: 'ops-alerts' })
  name: string;

  @ApiProperty({ enum: CHANNEL_TYPES, enumName: 'NotificationChannelType', example: 'webhook' })
  type: ChannelType;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The config with its secrets masked as `********`: webhook `{url, secret}`, slack `{webhook_url}`, email `{host, port, security, username?, password?, from, to}` ' +
      '(port and security with their defaults filled in).',
    example: { url: 'https://alerts.example.com/hooks/pif', secret: '********' },
  })
  config: Record<string, unknown>;

  @ApiProperty({ type: [String], enum: CHANNEL_EVENTS, example: ['execution.failed', 'execution.recovered'] })
  events: ChannelEvent[];

  @ApiProperty({ type: [String], format: 'uuid', nullable: true, description: 'null: any instance.', example: null })
  instance_ids: string[] | null;

  @ApiProperty({ type: [String], nullable: true, description: 'null: any template.', example: null })
  template_ids: string[] | null;

  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Failures are announced from the N-th in a row of an instance.', example: 1 })
  failure_threshold: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Repeats within this many seconds become one message; 0: none grouped.', example: 300 })
  group_window_seconds: number;

  @ApiProperty({ format: 'date-time', example: '2026-12-06T05:00:00.000Z' })
  created_at: string;

  static from(entity: NotificationChannelEntity): NotificationChannelDto {
    return {
      id: entity.id,
      name: entity.name,
      type: entity.type,
      config: maskedConfig(entity.config),
      events: entity.events,
      instance_ids: entity.instance_ids,
      template_ids: entity.template_ids,
      enabled: entity.enabled,
      failure_threshold: entity.failure_threshold,
      group_window_seconds: entity.group_window_seconds,
      created_at: epochSecondsToIso(entity.created_at),
    };
  }
}

function maskedConfig(config: StoredChannelConfig): Record<string, unknown> {
  if ('url' in config) return { url: config.url, secret: MASK };
  if ('webhook_url' in config) return { webhook_url: MASK };
  const { host, port, security, username, password, from, to } = config;
  return { host, port, security, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password: MASK } : {}), from, to };
}

/** The answer to creating a channel: a generated webhook secret is shown this once. */
export class CreatedNotificationChannelDto extends NotificationChannelDto {
  @ApiProperty({ required: false, description: 'The Standard Webhooks secret generated for a webhook channel created without one: shown once; receivers verify with it.', example: 'whsec_c2VjcmV0LWtleS1ieXRlcy1mb3ItdGhlLWV4YW1wbGUtMDE=' })
  signing_secret?: string;
}

export class NotificationChannelListDto {
  @ApiProperty({ type: [NotificationChannelDto] })
  items: NotificationChannelDto[];
}
