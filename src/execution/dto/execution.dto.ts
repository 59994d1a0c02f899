import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FieldErrorDto } from '../../common/problem.dto';
import { PageDtoOf } from '../../common/page.dto';
import { epochSecondsToIso } from '../../common/time';
import { TRIGGER_TYPES, TriggerType } from '../../sdk/types';
import { EXECUTION_STATUSES, ExecutionStatus, PluginExecutionEntity, PluginExecutionLogEntity } from '../plugin-execution.entity';

/** What started a run, without `original` (a retry's `original` is one of these: the schema does not refer to itself). */
export class StartingTriggerDto {
  @ApiProperty({
    enum: TRIGGER_TYPES,
    enumName: 'ExecutionTriggerType',
    description:
      "manual: an API call; schedule: a slot of the instance's schedule (scheduled_for); retry: a retry of a failed attempt (payload.previous_execution_id, original: the first attempt's trigger); " +
      "webhook: a delivery to one of the instance's webhooks (webhook_id, payload: the delivered body); upstream: its upstreams (`depends_on`) all succeeded (execution_ids).",
    example: 'manual',
  })
  type: TriggerType;

  @ApiPropertyOptional({ format: 'date-time', description: 'schedule: the slot this run is for (a catch-up run after downtime carries the missed slot).', example: '2026-11-24T05:00:00.000Z' })
  scheduled_for?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'webhook: the webhook the delivery came through.', example: '2b7d9e41-6a3c-4f8e-b1d5-0c9a8e7f6d54' })
  webhook_id?: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: "upstream: the upstreams' successful runs that started this one, in the instance's `depends_on` order (for each upstream, its latest success since the previous upstream-triggered run).",
    example: ['8a0e6c52-1d3b-4f7a-b2c9-5e4d3f2a1b0c', 'c4b7e2a1-9f3d-4e8c-a6b5-1d0f2e3c4b5a'],
  })
  execution_ids?: string[];

  @ApiPropertyOptional({
    description: 'retry: `{previous_execution_id}`. webhook: the delivered body: parsed JSON (any JSON value), the fields of a form, or the text of a text/plain body; null for an empty body.',
    // Any JSON value; the last member is OpenAPI 3.0.3's null-only schema (see strictNullables).
    anyOf: [{ type: 'object', additionalProperties: true }, { type: 'array', items: {} }, { type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object', nullable: true, enum: [null] }],
  })
  payload?: unknown;
}

export class ExecutionTriggerDto extends StartingTriggerDto {
  @ApiPropertyOptional({
    type: () => StartingTriggerDto,
    description: 'retry: what started the first attempt of the chain (a webhook delivery with its payload, a schedule slot, the upstream runs), so a retry handles the same input.',
    example: { type: 'webhook', webhook_id: '2b7d9e41-6a3c-4f8e-b1d5-0c9a8e7f6d54', payload: { ref: 'refs/heads/main' } },
  })
  original?: StartingTriggerDto;
}

export class ExecutionProgressDto {
  @ApiProperty({ example: 500 })
  current: number;

  @ApiPropertyOptional({ example: 1000 })
  total?: number;

  @ApiPropertyOptional({ example: 'rows imported' })
  message?: string;
}

export class ExecutionErrorDto {
  @ApiProperty({ description: 'handler_error (thrown, or returned status "error"), invalid_result, config_invalid (also: a stored secret cannot be decrypted with the current key), timeout, cancelled, interrupted, template_unavailable, or (a run of a past version saved under another template version) config_migration_failed or template_version_newer.', example: 'handler_error' })
  type: string;

  @ApiProperty({ example: 'file not found: data/equipment.csv' })
  message: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'config_invalid: the failing fields.' })
  errors?: FieldErrorDto[];
}

/** One run of an instance. */
export class ExecutionDto {
  @ApiProperty({ format: 'uuid', example: '8a0e6c52-1d3b-4f7a-b2c9-5e4d3f2a1b0c' })
  id: string;

  @ApiProperty({ format: 'uuid', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' })
  instance_id: string;

  @ApiProperty({ example: 'table_loader' })
  template_id: string;

  @ApiProperty({ enum: EXECUTION_STATUSES, enumName: 'ExecutionStatus', example: 'succeeded' })
  status: ExecutionStatus;

  @ApiProperty({ type: ExecutionTriggerDto })
  trigger: ExecutionTriggerDto;

  @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
  attempt: number;

  @ApiProperty({ type: 'integer', description: 'The instance version whose config this run used (GET .../versions/{config_version} shows it).', example: 2 })
  config_version: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Set when the run was asked for a past version (execute?version=N): it ran that version\'s config, as do its retries. Null: the version current when it started.', example: null })
  pinned_version: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-24T10:15:30.000Z' })
  started_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-24T10:15:30.120Z' })
  finished_at: string | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 120 })
  duration_ms: number | null;

  @ApiProperty({ type: ExecutionProgressDto, nullable: true })
  progress: ExecutionProgressDto | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: "The handler's result.", example: { rows_imported: 12, table_name: 'ilab_equipment_2024' } })
  result: Record<string, unknown> | null;

  @ApiProperty({ type: ExecutionErrorDto, nullable: true, example: null })
  error: ExecutionErrorDto | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The first attempt of this retry chain; null on a first attempt.', example: null })
  retry_of: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Id of the API key that started the run (retries inherit it); null when no key was used.', example: '6b1f0d4e-2c3a-4b5d-8e9f-0a1b2c3d4e5f' })
  triggered_by: string | null;

  static from(entity: PluginExecutionEntity): ExecutionDto {
    return {
      id: entity.id,
      instance_id: entity.instance_id,
      template_id: entity.template_id,
      status: entity.status,
      trigger: entity.trigger,
      attempt: entity.attempt,
      config_version: entity.config_version,
      pinned_version: entity.pinned_version ?? null,
      started_at: epochSecondsToIso(entity.started_at),
      finished_at: epochSecondsToIso(entity.finished_at),
      duration_ms: entity.duration_ms,
      progress: entity.progress,
      result: entity.result,
      error: entity.error,
      retry_of: entity.retry_of,
      triggered_by: entity.triggered_by ?? null,
    };
  }

  /** The execution without its trigger's `payload` (a webhook's body may be large): what streams of many runs carry. */
  static brief(entity: PluginExecutionEntity): ExecutionDto {
    const dto = ExecutionDto.from(entity);
    const { payload: _payload, original, ...trigger } = dto.trigger;
    if (original) {
      const { payload: _originalPayload, ...startedBy } = original;
      return { ...dto, trigger: { ...trigger, original: startedBy } };
    }
    return { ...dto, trigger };
  }
}

export class ExecutionPageDto extends PageDtoOf(ExecutionDto) {}

export class ExecutionLogLineDto {
  @ApiProperty({ format: 'date-time', example: '2026-11-24T10:15:30.120Z' })
  at: string;

  @ApiProperty({ enum: ['debug', 'info', 'warn', 'error'], enumName: 'LogLevel', example: 'info' })
  level: string;

  @ApiProperty({ example: 'imported 5000 of 12000 rows' })
  message: string;

  static from(entity: PluginExecutionLogEntity): ExecutionLogLineDto {
    return { at: epochSecondsToIso(entity.at), level: entity.level, message: entity.message };
  }
}

export class ExecutionLogListDto {
  @ApiProperty({ type: [ExecutionLogLineDto], description: 'Lines in the order they were logged (at most 10000 per run).' })
  items: ExecutionLogLineDto[];
}

export class ExecutionStatsDto {
  @ApiProperty({ description: 'Runs recorded (every attempt), within each instance\'s history limit.', example: 42 })
  total: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Count per run status (every status present).', example: { queued: 0, running: 1, succeeded: 35, failed: 4, cancelled: 1, timed_out: 1, interrupted: 0 } })
  by_status: Record<ExecutionStatus, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Count per trigger type (`trigger.type`; every type present).', example: { manual: 20, schedule: 18, webhook: 0, upstream: 0, retry: 4 } })
  by_trigger: Record<TriggerType, number>;
}
