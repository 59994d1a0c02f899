import { ApiProperty } from '@nestjs/swagger';
import { FieldErrorDto } from '../../common/problem.dto';
import { TEMPLATE_CATEGORIES, TemplateCategory } from '../../sdk/types';
import { RegisteredTemplate } from '../template-registry.service';

export class TemplateDto {
  @ApiProperty({ pattern: '^[a-z][a-z0-9_]*$', example: 'table_loader' })
  id: string;

  @ApiProperty({ example: 'Table Loader' })
  name: string;

  @ApiProperty({ example: 'Imports a CSV, TSV or XLSX file into a data-store table.' })
  description: string;

  @ApiProperty({ enum: TEMPLATE_CATEGORIES, enumName: 'TemplateCategory', example: 'transformer' })
  category: TemplateCategory;

  @ApiProperty({ example: '1.0.0' })
  version: string;

  @ApiProperty({ description: 'false: at most one instance may exist.', example: true })
  supports_multiple_instances: boolean;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'JSON Schema of the instance config (property-level `required: true` already normalised into `required`).',
    example: { type: 'object', required: ['file_path', 'table_name'], properties: { file_path: { type: 'string', title: 'File path' }, table_name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, has_header: { type: 'boolean', default: true } } },
  })
  config_schema: Record<string, unknown>;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many instances of this template exist.', example: 2 })
  instance_count: number;

  static from(template: RegisteredTemplate, instanceCount: number): TemplateDto {
    return {
      id: template.id,
      name: template.name,
      description: template.description,
      category: template.category,
      version: template.version,
      supports_multiple_instances: template.supportsMultipleInstances,
      config_schema: template.configSchema.schema,
      instance_count: instanceCount,
    };
  }
}

export class TemplateListDto {
  @ApiProperty({ type: [TemplateDto] })
  items: TemplateDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Always null: every template fits in one page.', example: null })
  next_cursor: string | null;
}

export class ConfigValidationDto {
  @ApiProperty({ example: false })
  valid: boolean;

  @ApiProperty({ type: [FieldErrorDto], description: 'One entry per failing field; empty when valid.', example: [{ path: '/config/text', message: 'is required' }] })
  errors: FieldErrorDto[];

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The config with schema defaults applied; each secret that is set shows as `"********"`.', example: { file_path: 'examples/equipment.csv', table_name: 'ilab_equipment_2024', has_header: true } })
  config: Record<string, unknown>;

  @ApiProperty({ type: [String], description: 'Which secrets of `config` are set (dotted paths, sorted).', example: [] })
  secret_fields: string[];
}

export class PluginLoadErrorDto {
  @ApiProperty({ description: 'The plugin file or folder that failed.', example: '/srv/plugins/broken/index.js' })
  source: string;

  @ApiProperty({ example: "import failed: Cannot find module 'left-pad'" })
  error: string;
}

export class PluginLoadErrorListDto {
  @ApiProperty({ type: [PluginLoadErrorDto] })
  items: PluginLoadErrorDto[];
}
