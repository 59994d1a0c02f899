import { EnumField, QueryIntField, StringField } from '../../common/field.decorators';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../common/pagination';
import { TRIGGER_TYPES, TriggerType } from '../../sdk/types';
import { EXECUTION_STATUSES, ExecutionStatus } from '../plugin-execution.entity';

export class ExecuteQueryDto {
  // No example: Swagger UI would pre-fill it into every "Try it out" run.
  @QueryIntField({ description: "Run this version's config (see GET .../versions) instead of the current one, without changing the instance.", min: 1, max: 2_147_483_647 })
  version?: number;
}

export class ListExecutionsQueryDto {
  @EnumField(EXECUTION_STATUSES, 'ExecutionStatus', { description: 'Only runs with this status.', example: 'failed', optional: true })
  status?: ExecutionStatus;

  @EnumField(TRIGGER_TYPES, 'ExecutionTriggerType', { description: 'Only runs started this way (`trigger.type`).', example: 'schedule', optional: true })
  trigger?: TriggerType;

  @QueryIntField({ description: 'Only runs that used this version of the instance (`config_version`; see GET .../versions).', example: 3, min: 1, max: 2_147_483_647 })
  config_version?: number;

  @QueryIntField({ description: 'Page size.', example: 50, min: 1, max: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  limit?: number;

  @StringField({ description: 'The `next_cursor` of the previous page.', optional: true, maxLength: 1000 })
  cursor?: string;
}
