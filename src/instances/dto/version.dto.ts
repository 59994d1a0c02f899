import { ApiProperty } from '@nestjs/swagger';
import { IntField, QueryIntField, StringField } from '../../common/field.decorators';
import { PageDtoOf } from '../../common/page.dto';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../common/pagination';
import { epochSecondsToIso } from '../../common/time';
import { maskConfig } from '../../secrets/secret-config';
import { SECRET_MASK } from '../../secrets/secret-scrubber';
import { CHANGE_KINDS, ChangeKind, PluginInstanceVersionEntity } from '../plugin-instance-version.entity';
import { executionPolicyOf } from '../plugin-instance.entity';
import { ExecutionPolicyDto } from './instance.dto';
import { ScheduleDto } from './schedule.dto';

export class ListVersionsQueryDto {
  @QueryIntField({ description: 'Page size.', example: 20, min: 1, max: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  limit?: number;

  @StringField({ description: 'The `next_cursor` of the previous page.', optional: true, maxLength: 1000 })
  cursor?: string;
}

export class DiffQueryDto {
  @QueryIntField({ description: 'The version to compare with. Default: the current version.', example: 4, min: 1, max: 2_147_483_647 })
  to?: number;
}

export class RollbackDto {
  @IntField({ description: 'The version whose content the instance takes back, as a new version.', example: 2, min: 1, max: 2_147_483_647 })
  version: number;
}

/** One version of an instance's definition, as it was written. */
export class VersionDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' })
  instance_id: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'The instance\'s `version` (and ETag) this content had; runs name it as `config_version`.', example: 2 })
  version: number;

  @ApiProperty({ example: 'iLab Equipment 2024' })
  name: string;

  @ApiProperty({ example: 'table_loader' })
  template_id: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: `The config of this version; each secret that was set shows as \`"${SECRET_MASK}"\`.`, example: { file_path: 'examples/equipment.csv', table_name: 'ilab_equipment_2024' } })
  config: Record<string, unknown>;

  @ApiProperty({ description: 'The template version `config` was saved under; a rollback to this version, or a run of it, migrates the config from there.', example: '1.0.0' })
  template_version: string;

  @ApiProperty({ type: [String], description: 'Which secrets of `config` were set, as dotted paths.', example: [] })
  secret_fields: string[];

  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({ type: ExecutionPolicyDto })
  execution_policy: ExecutionPolicyDto;

  @ApiProperty({ type: ScheduleDto, nullable: true, example: null })
  schedule: ScheduleDto | null;

  @ApiProperty({ type: [String], format: 'uuid', example: [] })
  depends_on: string[];

  @ApiProperty({ format: 'date-time', example: '2026-11-24T10:15:30.000Z' })
  changed_at: string;

  @ApiProperty({ description: 'The API key\'s name; `loopback` (no key, from the server\'s machine), `anonymous` (AUTH=none) or `system` (migrations, provisioning).', example: 'lab-admin' })
  changed_by: string;

  @ApiProperty({
    enum: CHANGE_KINDS,
    enumName: 'ChangeKind',
    description: 'create, update, rollback (content of an earlier version), migration (the template\'s config migration), provisioning (from a file), baseline (the definition when history began).',
    example: 'update',
  })
  change_kind: ChangeKind;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 1,
    description: 'On a `rollback` version: the version whose content it restored (`POST .../rollback {version}`). Null on every other kind, and on rollbacks recorded before servers wrote it down.',
    example: null,
  })
  restored_from: number | null;

  static from(entity: PluginInstanceVersionEntity): VersionDto {
    const { config, secret_fields } = maskConfig(entity.config);
    return {
      instance_id: entity.instance_id,
      version: entity.version,
      name: entity.name,
      template_id: entity.template_id,
      config,
      template_version: entity.template_version,
      secret_fields,
      enabled: entity.enabled,
      execution_policy: executionPolicyOf(entity),
      schedule: entity.schedule ?? null,
      depends_on: entity.depends_on ?? [],
      changed_at: epochSecondsToIso(entity.changed_at),
      changed_by: entity.changed_by,
      change_kind: entity.change_kind,
      restored_from: entity.restored_from ?? null,
    };
  }
}

export class VersionPageDto extends PageDtoOf(VersionDto) {}

/** One RFC 6902 operation. */
export class PatchOperationDto {
  @ApiProperty({ enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'], example: 'replace' })
  op: string;

  @ApiProperty({ description: 'JSON Pointer into the version document (`/name`, `/config/...`, `/template_version`, `/enabled`, `/execution_policy/...`, `/schedule`, `/depends_on/N`).', example: '/config/table_name' })
  path: string;

  @ApiProperty({
    required: false,
    description: 'The new value (add, replace): any JSON value; a secret shows as the mask.',
    // Any JSON value; the last member is OpenAPI 3.0.3's null-only schema (see strictNullables).
    anyOf: [{ type: 'object', additionalProperties: true }, { type: 'array', items: {} }, { type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object', nullable: true, enum: [null] }],
    example: 'ilab_equipment_2025',
  })
  value?: unknown;

  @ApiProperty({ required: false, description: 'move and copy: where from.', example: '/config/old' })
  from?: string;
}

export class VersionDiffDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' })
  instance_id: string;

  @ApiProperty({ type: 'integer', example: 2 })
  from: number;

  @ApiProperty({ type: 'integer', example: 3 })
  to: number;

  @ApiProperty({ type: [PatchOperationDto], description: 'The RFC 6902 JSON Patch that turns version `from` into version `to` (applied to their documents: name, template_id, config, template_version, enabled, execution_policy, schedule, depends_on). Empty when they are equal.' })
  patch: PatchOperationDto[];
}
