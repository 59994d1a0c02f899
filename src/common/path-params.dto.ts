import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/**
 * A path id that must be a uuid: any 8-4-4-4-12 hex string (validator's `loose`, the same shape as the
 * spec's `format: uuid` under ajv-formats). The global validation pipe refuses anything else with 400
 * `validation-failed` (pointer `/<param name>`) before a controller, and so the database, sees it.
 * Which resource the id names is said per operation (`params` of @Endpoint).
 */
function UuidPathField() {
  return applyDecorators(ApiProperty({ type: String, format: 'uuid' }), IsUUID('loose', { message: '$property must be a uuid' }));
}

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

/** The path DTOs above: an operation taking one of them documents 400 `validation-failed` (see @Endpoint). */
export const VALIDATED_PATH_PARAMS: readonly (new () => object)[] = [UuidParam, ExecutionIdParam];
