import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, RequireScope } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { ApiProblems } from '../common/api-problems.decorator';
import { mapPage } from '../common/pagination';
import { etagForVersion } from '../common/etag';
import { CreateInstanceDto, ListInstancesQueryDto, UpdateInstanceDto } from './dto/instance-requests.dto';
import { InstanceDto, InstancePageDto, InstanceStatsDto } from './dto/instance.dto';
import { InstancesService } from './instances.service';
import { CREATE_INSTANCE_EXAMPLES, INSTANCE_EXAMPLES, INSTANCE_PAGE_EXAMPLES, INSTANCE_STATS_EXAMPLES, UPDATE_INSTANCE_EXAMPLES } from './dto/instance.examples';

const ETAG_HEADER = { ETag: { description: 'The instance version, for If-Match on PUT.', schema: { type: 'string', example: '"3"' } } };
const ID_PARAM = ApiParam({ name: 'id', description: 'Instance id (uuid).', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' });

@ApiTags('instances')
@Controller('api/plugins/instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Get()
  @RequireScope('read')
  @ApiOperation({ operationId: 'listInstances', summary: 'List instances', description: 'Newest first, filtered by template, enabled flag, status or a name substring; cursor-paginated.' })
  @ApiOkResponse({ type: InstancePageDto, description: 'A page of instances.', examples: INSTANCE_PAGE_EXAMPLES })
  @ApiProblems('validation-failed')
  async list(@Query() query: ListInstancesQueryDto): Promise<InstancePageDto> {
    const page = await this.instances.list(query);
    return mapPage(page, InstanceDto.from);
  }

  @Post()
  @RequireScope('write')
  @ApiOperation({ operationId: 'createInstance', summary: 'Create an instance', description: "Creates a named instance of a template. `config` is validated against the template's JSON Schema; each failing field is reported with a JSON Pointer." })
  @ApiBody({ type: CreateInstanceDto, examples: CREATE_INSTANCE_EXAMPLES })
  @ApiCreatedResponse({ type: InstanceDto, description: 'Created.', examples: INSTANCE_EXAMPLES.created, headers: { ...ETAG_HEADER, Location: { description: 'URL of the new instance.', schema: { type: 'string', example: '/api/plugins/instances/3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' } } } })
  @ApiProblems('validation-failed', 'config-invalid', 'malformed-json', 'json-too-deep', 'name-taken', 'single-instance-template', 'payload-too-large', 'unsupported-media-type', 'unknown-template')
  async create(@Body() body: CreateInstanceDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<InstanceDto> {
    const instance = await this.instances.create(body, principal);
    void reply.header('location', `/api/plugins/instances/${instance.id}`).header('etag', etagForVersion(instance.version));
    return InstanceDto.from(instance);
  }

  @Get('stats')
  @RequireScope('read')
  @ApiOperation({ operationId: 'getInstanceStats', summary: 'Instance statistics', description: 'Counts of instances in total, per status and per template.' })
  @ApiOkResponse({ type: InstanceStatsDto, description: 'Counts.', examples: INSTANCE_STATS_EXAMPLES })
  @ApiProblems()
  async stats(): Promise<InstanceStatsDto> {
    return this.instances.stats();
  }

  @Get(':id')
  @ID_PARAM
  @RequireScope('read')
  @ApiOperation({ operationId: 'getInstance', summary: 'Get an instance', description: 'One instance, with its ETag for a later conditional update.' })
  @ApiOkResponse({ type: InstanceDto, description: 'The instance.', examples: INSTANCE_EXAMPLES.read, headers: ETAG_HEADER })
  @ApiProblems('instance-not-found')
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<InstanceDto> {
    const instance = await this.instances.get(id);
    void reply.header('etag', etagForVersion(instance.version));
    return InstanceDto.from(instance);
  }

  @Put(':id')
  @ID_PARAM
  @RequireScope('write')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag last read; the update fails with 412 if the instance changed since.', example: '"3"' })
  @ApiOperation({ operationId: 'updateInstance', summary: 'Update an instance', description: 'Partial update of name, config and enabled (at least one). `config` replaces the stored config and is validated; a secret sent as `"********"` or left out keeps its stored value. Disabling sets status inactive; enabling restores the status the last run implies.' })
  @ApiBody({ type: UpdateInstanceDto, examples: UPDATE_INSTANCE_EXAMPLES })
  @ApiOkResponse({ type: InstanceDto, description: 'The updated instance.', examples: INSTANCE_EXAMPLES.updated, headers: ETAG_HEADER })
  @ApiProblems('validation-failed', 'config-invalid', 'malformed-json', 'json-too-deep', 'instance-not-found', 'name-taken', 'template-unavailable', 'precondition-failed', 'payload-too-large', 'unsupported-media-type')
  async update(
    @Param('id') id: string,
    @Body() body: UpdateInstanceDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InstanceDto> {
    const instance = await this.instances.update(id, body, ifMatch);
    void reply.header('etag', etagForVersion(instance.version));
    return InstanceDto.from(instance);
  }

  @Delete(':id')
  @ID_PARAM
  @HttpCode(204)
  @RequireScope('write')
  @ApiOperation({ operationId: 'deleteInstance', summary: 'Delete an instance', description: 'Deletes the instance and its run history. Refused while a run is in progress.' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblems('instance-not-found', 'instance-running')
  async delete(@Param('id') id: string): Promise<void> {
    await this.instances.delete(id);
  }
}
