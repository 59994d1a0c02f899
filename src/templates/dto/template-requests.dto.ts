import { EnumField, JsonObjectField, UuidField } from '../../common/field.decorators';
import { TEMPLATE_CATEGORIES, TemplateCategory } from '../../sdk/types';

export class ListTemplatesQueryDto {
  @EnumField(TEMPLATE_CATEGORIES, 'TemplateCategory', { description: 'Only templates of this category.', example: 'transformer', optional: true })
  category?: TemplateCategory;
}

export class ValidateConfigDto {
  @JsonObjectField({ description: 'The config to check against the template schema.', example: { text: 'hello world' } })
  config: Record<string, unknown>;

  @UuidField({
    description:
      'An existing instance of this template whose config `config` would replace: the config is judged as `PUT /instances/{id}` would judge it (only the config: If-Match, name and provisioning are not checked). A secret sent as the mask `"********"` or left out counts as its stored value; null clears it (an error if the schema requires it). Nothing is written. Unknown: 404 `instance-not-found`; of another template: 422 `instance-template-mismatch`.',
    example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15',
    optional: true,
  })
  instance_id?: string;
}
