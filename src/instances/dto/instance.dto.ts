import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageDtoOf } from '../../common/page.dto';
import { epochSecondsToIso } from '../../common/time';
import { maskConfig } from '../../secrets/secret-config';
import { SECRET_MASK } from '../../secrets/secret-scrubber';
import { FieldErrorDto } from '../../common/problem.dto';
import { CONFIG_ERROR_TYPES, ConfigErrorType } from '../config-error';
import { executionPolicyOf, INSTANCE_STATUSES, InstanceStatus, PluginInstanceEntity } from '../plugin-instance.entity';
import { EMPTY_SCHEDULE_STATE } from '../schedule';
import { ScheduleDto, ScheduleStateDto } from './schedule.dto';

const EXAMPLE_ID = '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15';

/** The effective run policy, defaults filled in. */
export class ExecutionPolicyDto {
  @ApiProperty({ type: 'integer', nullable: true, description: "Run timeout in ms; null: the template's default (or none).", example: null })
  timeout_ms: number | null;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 10, description: 'Attempts in all (1 = no retries).', example: 1 })
  max_attempts: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Delay before the first retry in ms; doubles each attempt, with jitter.', example: 1000 })
  backoff_ms: number;

  @ApiProperty({ type: 'integer', minimum: 1, nullable: true, description: 'Disabled after this many failed runs in a row; null: never.', example: null })
  disable_after_failures: number | null;
}

/** Why an instance's config cannot be used by the loaded template version (see docs/history.md). */
export class ConfigErrorDto {
  @ApiProperty({
    enum: CONFIG_ERROR_TYPES,
    enumName: 'ConfigErrorType',
    description: "config-migration-failed: the template's `migrate` threw, or what it returned (or, without `migrate`, the stored config) is not valid for the loaded version; template-version-newer: the config was saved under a newer template version than this server loads. Runs are refused with a 409 problem of the same type.",
    example: 'config-migration-failed',
  })
  type: ConfigErrorType;

  @ApiProperty({ example: "template 'lab_sync' could not migrate its config from 1.0.0 to 2.0.0: the ftp:// endpoint has no https equivalent; set endpoint to an https URL" })
  message: string;

  @ApiProperty({ description: 'The template version the stored config was saved under.', example: '1.0.0' })
  from_version: string;

  @ApiProperty({ description: 'The template version loaded when this was found.', example: '2.0.0' })
  to_version: string;

  @ApiProperty({ type: [FieldErrorDto], description: 'The failing fields of a migrated config that did not validate (JSON Pointers into the config, under /config); empty otherwise.', example: [] })
  errors: FieldErrorDto[];
}

/** A configured instance of a template. */
export class InstanceDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID })
  id: string;

  @ApiProperty({ description: 'Unique (trimmed, case-insensitive) display name.', example: 'iLab Equipment 2024' })
  name: string;

  @ApiProperty({ example: 'table_loader' })
  template_id: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: `The configuration as stored (template defaults are applied when it runs). Each secret that is set (a field whose schema says \`writeOnly: true\` or \`format: "password"\`) shows as \`"${SECRET_MASK}"\`, never its value.`,
    example: { file_path: 'examples/equipment.csv', table_name: 'ilab_equipment_2024' },
  })
  config: Record<string, unknown>;

  @ApiProperty({
    type: [String],
    description: `Which secrets of \`config\` are set (encrypted at rest, shown as \`"${SECRET_MASK}"\`), as dotted paths with array indexes, sorted, e.g. \`["auth.token", "tokens[0]"]\` for an api_fetcher with bearer auth. On PUT, send a secret back as the mask (or leave it out) to keep it.`,
    example: [],
  })
  secret_fields: string[];

  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({ enum: INSTANCE_STATUSES, enumName: 'InstanceStatus', description: 'pending: never run; active: last run succeeded; error: last run failed, or its config could not be migrated (see `config_error`; also when disabled); inactive: disabled.', example: 'active' })
  status: InstanceStatus;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the last run finished.', example: '2026-11-24T10:15:30.000Z' })
  last_run: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The last run\'s result, or `{status: "error", error}` when it failed.', example: { rows_imported: 12, table_name: 'ilab_equipment_2024' } })
  last_result: Record<string, unknown> | null;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Runs that failed in a row, counted once each after its retries (failed, timed out, interrupted); a success resets it, a cancelled run leaves it. Notification channels\' `failure_threshold` and `execution_policy.disable_after_failures` read it. Read-only.', example: 0 })
  consecutive_failures: number;

  @ApiProperty({ format: 'date-time', example: '2026-11-24T10:00:00.000Z' })
  created_at: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-24T10:15:30.000Z' })
  updated_at: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Increments on every change of its definition (create, update, rollback, template migration), not on runs; the ETag is this number in quotes, and GET ./versions lists each one.', example: 3 })
  version: number;

  @ApiProperty({ description: "The version of its template the config was saved under (see the template's `version`); a boot with a newer template migrates it. Read-only.", example: '2.0.0' })
  template_version: string;

  @ApiProperty({
    type: ConfigErrorDto,
    nullable: true,
    description: 'Why the config cannot be brought to the loaded template version; null when it is fine. While set, `status` is `error` and runs are refused (409 of the same type) until a PUT with a valid config (or a rollback) saves it under the current version, or a later boot with fixed plugin code migrates it. The stored config is left as it was. Read-only.',
    example: null,
  })
  config_error: ConfigErrorDto | null;

  @ApiProperty({ type: ExecutionPolicyDto })
  execution_policy: ExecutionPolicyDto;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Id of the API key that created it; null when no key was used (loopback before any key existed, or AUTH=none).', example: '6b1f0d4e-2c3a-4b5d-8e9f-0a1b2c3d4e5f' })
  created_by: string | null;

  @ApiProperty({ type: ScheduleDto, nullable: true, description: 'When it runs by itself (defaults filled in); null: only when asked.', example: null })
  schedule: ScheduleDto | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The next slot of the schedule; null without a schedule or when it or the instance is disabled. Read-only.', example: null })
  next_run_at: string | null;

  @ApiProperty({ type: ScheduleStateDto, description: 'What the scheduler did with its slots (all zero and null until it did anything). Read-only.' })
  schedule_state: ScheduleStateDto;

  @ApiProperty({ type: [String], format: 'uuid', description: 'Ids of the instances whose success starts it, in the order given; empty: none. See GET /api/plugins/graph.', example: [] })
  depends_on: string[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The provisioning file that declares it, relative to PROVISIONING_PATH; such an instance is read-only through the API (PUT, DELETE and rollback answer 409 `provisioned`) but runs as any other. Null: managed through the API. Read-only.',
    example: null,
  })
  provisioned_from: string | null;

  static from(entity: PluginInstanceEntity): InstanceDto {
    const { config, secret_fields } = maskConfig(entity.config);
    return {
      id: entity.id,
      name: entity.name,
      template_id: entity.template_id,
      config,
      secret_fields,
      enabled: entity.enabled,
      status: entity.status,
      last_run: epochSecondsToIso(entity.last_run),
      last_result: entity.last_result,
      consecutive_failures: entity.consecutive_failures ?? 0,
      created_at: epochSecondsToIso(entity.created_at),
      updated_at: epochSecondsToIso(entity.updated_at),
      version: entity.version,
      template_version: entity.template_version,
      config_error: entity.config_error ?? null,
      execution_policy: executionPolicyOf(entity),
      created_by: entity.created_by ?? null,
      schedule: entity.schedule ?? null,
      next_run_at: epochSecondsToIso(entity.next_run_at ?? null),
      schedule_state: { ...EMPTY_SCHEDULE_STATE, ...entity.schedule_state },
      depends_on: entity.depends_on ?? [],
      provisioned_from: entity.provisioned_from ?? null,
    };
  }
}

export class InstancePageDto extends PageDtoOf(InstanceDto) {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Only with `include_total=true`: how many instances match the filters in all, whatever the cursor (so a client can say "50 of 1,234").', example: 1234 })
  total?: number;
}

export class InstanceStatsDto {
  @ApiProperty({ type: 'integer', example: 3 })
  total: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Count per instance status (every status present).', example: { pending: 1, active: 1, error: 0, inactive: 1 } })
  by_status: Record<InstanceStatus, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Count per template id (templates with instances only).', example: { table_loader: 3 } })
  by_template: Record<string, number>;
}
