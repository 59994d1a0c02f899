import { ApiExamples } from '../../common/api-examples';
import { ValidateConfigDto } from './template-requests.dto';
import { ConfigValidationDto, PluginLoadErrorListDto, TemplateDto, TemplateListDto } from './template.dto';

/** table_loader as GET /templates shows it (its config_schema shortened to the main fields). */
const TABLE_LOADER: TemplateDto = {
  id: 'table_loader',
  name: 'Table Loader',
  description: 'Imports a CSV, TSV or Excel (.xlsx/.xlsm) file into a data-store table, streaming it so files of millions of rows load in constant memory. Replacing a table is atomic: a failed import leaves the previous table as it was.',
  category: 'data_import',
  version: '2.0.0',
  supports_multiple_instances: true,
  config_schema: {
    type: 'object',
    title: 'Table Loader',
    additionalProperties: false,
    required: ['file_path', 'table_name'],
    properties: {
      file_path: { type: 'string', title: 'File', minLength: 1, maxLength: 4096, examples: ['imports/equipment.csv'] },
      table_name: { type: 'string', title: 'Table name', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', minLength: 1, maxLength: 63 },
      file_type: { type: 'string', title: 'File type', enum: ['auto', 'csv', 'tsv', 'xlsx'], default: 'auto' },
      has_header: { type: 'boolean', title: 'First row is a header', default: true },
      mode: { type: 'string', title: 'Write mode', enum: ['replace', 'append'], default: 'replace' },
    },
  },
  instance_count: 2,
};

export const TEMPLATE_EXAMPLES: ApiExamples<TemplateDto> = {
  table_loader: { summary: 'The table_loader template', value: TABLE_LOADER },
};

export const TEMPLATE_LIST_EXAMPLES: ApiExamples<TemplateListDto> = {
  data_import: { summary: 'Templates of category data_import', value: { items: [TABLE_LOADER], next_cursor: null } },
};

export const VALIDATE_CONFIG_EXAMPLES: ApiExamples<ValidateConfigDto> = {
  table_loader: { summary: 'A table_loader config missing its table name', value: { config: { file_path: 'imports/equipment.csv' } } },
  edit: {
    summary: 'An edit of an existing api_fetcher instance: its stored token is kept (left out)',
    value: { config: { url: 'https://api.example.org/v1/items', auth: { type: 'bearer' } }, instance_id: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' },
  },
};

/** The defaults table_loader's schema fills in. */
const TABLE_LOADER_DEFAULTS = { file_type: 'auto', has_header: true, quote: '"', encoding: 'utf8', mode: 'replace', skip_empty_lines: true, strict_columns: false };

export const CONFIG_VALIDATION_EXAMPLES: ApiExamples<ConfigValidationDto> = {
  invalid: {
    summary: 'Invalid: a required field is missing',
    value: { valid: false, errors: [{ path: '/config/table_name', message: 'is required' }], config: { file_path: 'imports/equipment.csv', ...TABLE_LOADER_DEFAULTS }, secret_fields: [] },
  },
  valid: {
    summary: 'Valid, with the defaults filled in',
    value: { valid: true, errors: [], config: { file_path: 'imports/equipment.csv', table_name: 'ilab_equipment_2024', ...TABLE_LOADER_DEFAULTS }, secret_fields: [] },
  },
};

export const PLUGIN_LOAD_ERROR_EXAMPLES: ApiExamples<PluginLoadErrorListDto> = {
  one: { summary: 'One plugin failed to import', value: { items: [{ source: '/srv/plugins/broken/index.js', error: "import failed: Cannot find module 'left-pad'" }] } },
  none: { summary: 'Every plugin loaded', value: { items: [] } },
};
