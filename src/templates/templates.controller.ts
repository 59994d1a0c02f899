import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../auth/endpoint.decorator';
import { ListTemplatesQueryDto, ValidateConfigDto } from './dto/template-requests.dto';
import { ConfigValidationDto, PluginLoadErrorListDto, TemplateDto, TemplateListDto } from './dto/template.dto';
import { TemplatesService } from './templates.service';
import { CONFIG_VALIDATION_EXAMPLES, PLUGIN_LOAD_ERROR_EXAMPLES, TEMPLATE_EXAMPLES, TEMPLATE_LIST_EXAMPLES, VALIDATE_CONFIG_EXAMPLES } from './dto/template.examples';

const TEMPLATE_ID_PARAM = { template_id: { description: 'Template id.', example: 'table_loader' } };

@ApiTags('templates')
@Controller('api/plugins')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get('templates')
  @Endpoint({
    operationId: 'listTemplates',
    summary: 'List templates',
    description: 'Every loaded template, sorted by id, optionally of one category, with its config schema and instance count.',
    scope: 'read',
    ok: { status: 200, type: TemplateListDto, description: 'The templates.', examples: TEMPLATE_LIST_EXAMPLES },
    problems: ['validation-failed'],
  })
  async list(@Query() query: ListTemplatesQueryDto): Promise<TemplateListDto> {
    const templates = await this.templates.list(query.category);
    return { items: templates.map(({ template, instanceCount }) => TemplateDto.from(template, instanceCount)), next_cursor: null };
  }

  @Get('templates/:template_id')
  @Endpoint({
    operationId: 'getTemplate',
    summary: 'Get a template',
    description: 'One template with its config schema: enough to render a form for a new instance.',
    scope: 'read',
    params: TEMPLATE_ID_PARAM,
    ok: { status: 200, type: TemplateDto, description: 'The template.', examples: TEMPLATE_EXAMPLES },
    problems: ['template-not-found'],
  })
  async get(@Param('template_id') templateId: string): Promise<TemplateDto> {
    const { template, instanceCount } = await this.templates.get(templateId);
    return TemplateDto.from(template, instanceCount);
  }

  @Post('templates/:template_id/validate')
  @Endpoint({
    operationId: 'validateTemplateConfig',
    summary: 'Validate a config',
    description:
      "Checks a config against the template's schema without creating or changing anything; returns the errors per field and the config with defaults applied (secrets masked). " +
      'With `instance_id`, the config is judged as `PUT /instances/{instance_id}` would judge it: stored secrets sent as the mask or left out count as present, null clears one.',
    scope: 'read',
    params: TEMPLATE_ID_PARAM,
    body: { type: ValidateConfigDto, examples: VALIDATE_CONFIG_EXAMPLES },
    ok: { status: 200, type: ConfigValidationDto, description: 'The verdict (200 whether or not the config is valid).', examples: CONFIG_VALIDATION_EXAMPLES },
    problems: ['validation-failed', 'malformed-json', 'json-too-deep', 'template-not-found', 'instance-not-found', 'payload-too-large', 'unsupported-media-type', 'instance-template-mismatch'],
  })
  validate(@Param('template_id') templateId: string, @Body() body: ValidateConfigDto): Promise<ConfigValidationDto> {
    return this.templates.validateConfig(templateId, body.config, body.instance_id);
  }

  @Get('load-errors')
  @Endpoint({
    operationId: 'listPluginLoadErrors',
    summary: 'Plugin load errors',
    description: 'Plugins that failed to import or register (bad schema, duplicate id, ...), each with its file and reason.',
    scope: 'read',
    ok: { status: 200, type: PluginLoadErrorListDto, description: 'The failures; empty when every plugin loaded.', examples: PLUGIN_LOAD_ERROR_EXAMPLES },
    problems: [],
  })
  loadErrors(): PluginLoadErrorListDto {
    return { items: this.templates.loadErrors() };
  }
}
