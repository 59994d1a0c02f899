import { EnumField, JsonObjectField } from '../../common/field.decorators';
import { TEMPLATE_CATEGORIES, TemplateCategory } from '../../sdk/types';

export class ListTemplatesQueryDto {
  @EnumField(TEMPLATE_CATEGORIES, 'TemplateCategory', { description: 'Only templates of this category.', example: 'transformer', optional: true })
  category?: TemplateCategory;
}

export class ValidateConfigDto {
  @JsonObjectField({ description: 'The config to check against the template schema.', example: { text: 'hello world' } })
  config: Record<string, unknown>;
}
