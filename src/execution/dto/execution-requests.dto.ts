import { EnumField, QueryIntField, StringField } from '../../common/field.decorators';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../common/pagination';
import { TRIGGER_TYPES, TriggerType } from '../../sdk/types';
import { EXECUTION_STATUSES, ExecutionStatus } from '../plugin-execution.entity';

export class ListExecutionsQueryDto {
  @EnumField(EXECUTION_STATUSES, 'ExecutionStatus', { description: 'Only runs with this status.', example: 'failed', optional: true })
  status?: ExecutionStatus;

  @EnumField(TRIGGER_TYPES, 'ExecutionTriggerType', { description: 'Only runs started this way (`trigger.type`).', example: 'schedule', optional: true })
  trigger?: TriggerType;

  @QueryIntField({ description: 'Page size.', example: 50, min: 1, max: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  limit?: number;

  @StringField({ description: 'The `next_cursor` of the previous page.', optional: true, maxLength: 1000 })
  cursor?: string;
}
