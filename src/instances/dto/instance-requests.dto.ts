import { BooleanField, EnumField, IntField, JsonObjectField, NestedField, QueryBooleanField, QueryIntField, StringField, UuidArrayField } from '../../common/field.decorators';
import { MAX_DEPENDS_ON } from '../instance-dependencies.service';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../common/pagination';
import { INSTANCE_STATUSES, InstanceStatus } from '../plugin-instance.entity';
import { NullableScheduleField, ScheduleInputDto } from './schedule.dto';

// Control characters in names break logs and UIs; the range is the point of this pattern.
// eslint-disable-next-line no-control-regex
export const INSTANCE_NAME = { minLength: 1, maxLength: 200, trim: true, pattern: /^[^\u0000-\u001F\u007F-\u009F]*$/, patternMessage: 'name must not contain control characters' };

/** Run policy overrides; each field may be omitted (keep / default) and timeout_ms may be null (inherit). */
export class ExecutionPolicyInputDto {
  @IntField({ description: "Run timeout in ms; null: the template's default (or none).", example: 600000, min: 100, max: 86_400_000, optional: true, nullable: true })
  timeout_ms?: number | null;

  @IntField({ description: 'Attempts in all (1 = no retries). Failed, timed-out and interrupted runs are retried; cancelled ones are not.', example: 3, min: 1, max: 10, optional: true, default: 1 })
  max_attempts?: number;

  @IntField({ description: 'Delay before the first retry in ms; doubles for each further attempt, with jitter (0.5x to 1.5x).', example: 1000, min: 0, max: 3_600_000, optional: true, default: 1000 })
  backoff_ms?: number;

  @IntField({ description: 'Disable the instance after this many failed runs in a row (a run counts once, after its retries); null: never. Emits `instance.auto_disabled` to notification channels.', example: 5, min: 1, max: 1000, optional: true, nullable: true })
  disable_after_failures?: number | null;
}

export class CreateInstanceDto {
  @StringField({ description: 'The template to instantiate.', example: 'table_loader', minLength: 1, maxLength: 100 })
  template_id: string;

  @StringField({ description: 'Display name, unique trimmed and case-insensitively.', example: 'iLab Equipment 2024', ...INSTANCE_NAME })
  name: string;

  @JsonObjectField({ description: 'Configuration; must validate against the template\'s config_schema. Default {}. Secret fields (`writeOnly` or `format: "password"` in the schema) are encrypted at rest and masked in responses; the mask `"********"` is not accepted as a value.', example: { file_path: 'examples/equipment.csv', table_name: 'ilab_equipment_2024' }, optional: true })
  config?: Record<string, unknown>;

  @BooleanField({ description: 'Disabled instances cannot run. Default true.', example: true, optional: true, default: true })
  enabled?: boolean;

  @NestedField(ExecutionPolicyInputDto, { description: 'Timeout and retry policy for its runs.', example: { max_attempts: 3, backoff_ms: 1000 }, optional: true })
  execution_policy?: ExecutionPolicyInputDto;

  @NullableScheduleField('When it runs by itself: exactly one of `cron` and `every`. Null or absent: only when asked.', { cron: '0 6 * * 1-5', timezone: 'Europe/Berlin' })
  schedule?: ScheduleInputDto | null;

  @UuidArrayField({
    description: `Ids of the instances whose success starts it (at most ${MAX_DEPENDS_ON}; a repeated id counts once). It runs once each of them has succeeded since its last run started this way. An unknown id: 400 at \`/depends_on/N\`.`,
    example: ['3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15'],
    optional: true,
    maxItems: MAX_DEPENDS_ON,
  })
  depends_on?: string[];
}

/** Partial update: at least one field; `config` replaces the stored config whole. */
export class UpdateInstanceDto {
  @StringField({ description: 'New display name.', example: 'iLab Equipment 2025', optional: true, ...INSTANCE_NAME })
  name?: string;

  @JsonObjectField({ description: 'Replacement configuration, validated against the template schema. A secret sent as `"********"` or left out keeps its stored value; a new value replaces it; null clears it where the schema allows null.', example: { file_path: 'examples/equipment.csv', table_name: 'ilab_equipment_2024', mode: 'append' }, optional: true })
  config?: Record<string, unknown>;

  @BooleanField({ description: 'false disables the instance (status inactive); true restores the status its last run implies.', example: false, optional: true })
  enabled?: boolean;

  @NestedField(ExecutionPolicyInputDto, { description: 'Policy changes, merged into the current policy.', example: { timeout_ms: 600000 }, optional: true })
  execution_policy?: ExecutionPolicyInputDto;

  @NullableScheduleField('Replaces the schedule whole (defaults apply to what is left out); null removes it.', { every: '15m' })
  schedule?: ScheduleInputDto | null;

  @UuidArrayField({
    description: `Replaces the list of upstream instances whole; [] removes every dependency. An upstream it keeps keeps its success counted toward the next run. A cycle (or itself): 409 \`dependency-cycle\` naming it.`,
    example: ['3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15', '9b2e4c61-0d3f-4a8b-b5c7-1e6f2a9d8c30'],
    optional: true,
    maxItems: MAX_DEPENDS_ON,
  })
  depends_on?: string[];
}

export class ListInstancesQueryDto {
  @StringField({ description: 'Only instances of this template.', example: 'table_loader', optional: true, maxLength: 100 })
  template_id?: string;

  @QueryBooleanField({ description: 'Only enabled (true) or disabled (false) instances.', example: true })
  enabled?: boolean;

  @EnumField(INSTANCE_STATUSES, 'InstanceStatus', { description: 'Only instances with this status.', example: 'active', optional: true })
  status?: InstanceStatus;

  @StringField({ description: 'Case-insensitive substring of the name.', example: 'lab', optional: true, maxLength: 200 })
  q?: string;

  @QueryIntField({ description: 'Page size.', example: 50, min: 1, max: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  limit?: number;

  @StringField({ description: 'The `next_cursor` of the previous page.', optional: true, maxLength: 1000 })
  cursor?: string;

  @QueryBooleanField({ description: 'true: the response also carries `total`, how many instances match the filters (whatever the cursor). Costs one COUNT query; left out or false, none runs.', example: true })
  include_total?: boolean;
}
