import { EnumField, QueryIntField, StringField } from '../../common/field.decorators';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../common/pagination';
import { TRIGGER_TYPES, TriggerType } from '../../sdk/types';
import { EXECUTION_STATUSES, ExecutionStatus } from '../plugin-execution.entity';
import { EVENT_ID_PATTERN } from '../run-event-log';

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

export class ExecutionEventsQueryDto {
  // No example: Swagger UI would pre-fill it, and an id from another server process only gets a snapshot.
  @StringField({
    description:
      'For clients that cannot set the `Last-Event-ID` header: the `id` of the last event received, to resume after it (the header wins when both are sent). ' +
      'Ids look like `3f9a1c02-57-r`; a value that is not one is refused with 400.',
    optional: true,
    maxLength: 40,
    pattern: EVENT_ID_PATTERN,
    patternMessage: 'last_event_id must be the id of an event of this stream, e.g. 3f9a1c02-57-r',
  })
  last_event_id?: string;
}
