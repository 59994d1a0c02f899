import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { EXAMPLE_IDS } from './api-examples';
import { IsInt, isUUID, IsUUID, Max, Min } from 'class-validator';

/**
 * A path id that must be a uuid: any 8-4-4-4-12 hex string (validator's `loose`, the same shape as the
 * spec's `format: uuid` under ajv-formats). The global validation pipe refuses anything else with 400
 * `validation-failed` (pointer `/<param name>`) before a controller, and so the database, sees it.
 * Which resource the id names is said per operation (`params` of @Endpoint).
 */
function UuidPathField() {
  return applyDecorators(ApiProperty({ type: String, format: 'uuid' }), IsUUID('loose', { message: '$property must be a uuid' }));
}

/** How `@Endpoint`'s `params` documents an instance's `:id` (one wording for every instance route). */
export const INSTANCE_ID_PARAM = { id: { description: 'Instance id (uuid).', example: EXAMPLE_IDS.instance } };

/** `:id` of instances and API keys: `@Param() { id }: UuidParam`. */
export class UuidParam {
  @UuidPathField()
  id!: string;
}

/**
 * `:execution_id` of executions. The same check as UuidParam under the path's own name: generated clients
 * know the parameter as `execution_id`, so the path keeps it.
 */
export class ExecutionIdParam {
  @UuidPathField()
  execution_id!: string;
}

/** `:id/webhooks/:webhook_id`: an instance and one of its webhooks. */
export class WebhookPathParams {
  @UuidPathField()
  id!: string;

  @UuidPathField()
  webhook_id!: string;
}

/** `:id/versions/:version`: an instance and one version of its definition (a whole number from 1). */
export class VersionPathParams {
  @UuidPathField()
  id!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 2_147_483_647 })
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value))
  @IsInt({ message: '$property must be a whole number' })
  @Min(1)
  @Max(2_147_483_647)
  version!: number;
}

/** The path DTOs above, by the one field each holds: an operation taking one documents 400 `validation-failed` (see @Endpoint). */
export const UUID_PATH_FIELDS = new Map<new () => object, string>([
  [UuidParam, 'id'],
  [ExecutionIdParam, 'execution_id'],
]);

export const VALIDATED_PATH_PARAMS: readonly (new () => object)[] = [...UUID_PATH_FIELDS.keys(), WebhookPathParams, VersionPathParams];

/**
 * The path DTO for `params` when they are exactly its one field holding a uuid, without class-transformer and
 * class-validator's per-request work (a third of a GET by id's CPU); null when the full check must decide (it then
 * also words the error). `isUUID` is the function behind the DTOs' own @IsUUID.
 */
export function wellFormedPathParams(metatype: unknown, params: unknown): object | null {
  const field = UUID_PATH_FIELDS.get(metatype as new () => object);
  if (!field || typeof params !== 'object' || params === null) return null;
  const keys = Object.keys(params);
  const value = (params as Record<string, unknown>)[field];
  if (keys.length !== 1 || keys[0] !== field || typeof value !== 'string' || !isUUID(value, 'loose')) return null;
  return Object.assign(new (metatype as new () => object)(), { [field]: value });
}
