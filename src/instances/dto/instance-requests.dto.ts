import { BooleanField, EnumField, JsonObjectField, QueryBooleanField, QueryIntField, StringField } from '../../common/field.decorators';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../common/pagination';
import { INSTANCE_STATUSES, InstanceStatus } from '../plugin-instance.entity';

// Control characters in names break logs and UIs; the range is the point of this pattern.
// eslint-disable-next-line no-control-regex
const NAME = { minLength: 1, maxLength: 200, trim: true, pattern: /^[^\u0000-\u001F\u007F-\u009F]*$/, patternMessage: 'name must not contain control characters' };

export class CreateInstanceDto {
  @StringField({ description: 'The template to instantiate.', example: 'text_stats', minLength: 1, maxLength: 100 })
  template_id: string;

  @StringField({ description: 'Display name, unique trimmed and case-insensitively.', example: 'Lab notes word count', ...NAME })
  name: string;

  @JsonObjectField({ description: "Configuration; must validate against the template's config_schema. Default {}.", example: { text: 'Plugins are code; instances are configuration.' }, optional: true })
  config?: Record<string, unknown>;

  @BooleanField({ description: 'Disabled instances cannot run. Default true.', example: true, optional: true, default: true })
  enabled?: boolean;
}

/** Partial update: at least one field; `config` replaces the stored config whole. */
export class UpdateInstanceDto {
  @StringField({ description: 'New display name.', example: 'Lab notes (weekly)', optional: true, ...NAME })
  name?: string;

  @JsonObjectField({ description: 'Replacement configuration, validated against the template schema.', example: { text: 'New text to analyse', top_words: 3 }, optional: true })
  config?: Record<string, unknown>;

  @BooleanField({ description: 'false disables the instance (status inactive); true restores the status its last run implies.', example: false, optional: true })
  enabled?: boolean;
}

export class ListInstancesQueryDto {
  @StringField({ description: 'Only instances of this template.', example: 'text_stats', optional: true, maxLength: 100 })
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
}
