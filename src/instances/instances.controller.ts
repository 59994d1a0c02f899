import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/access.decorators';
import { Endpoint } from '../auth/endpoint.decorator';
import type { Principal } from '../auth/principal';
import { mapPage } from '../common/pagination';
import { etagForVersion } from '../common/etag';
import { INSTANCE_ID_PARAM, UuidParam } from '../common/path-params.dto';
import { CreateInstanceDto, ListInstancesQueryDto, UpdateInstanceDto } from './dto/instance-requests.dto';
import { InstanceDto, InstancePageDto, InstanceStatsDto } from './dto/instance.dto';
import { InstancesService } from './instances.service';
import { CREATE_INSTANCE_EXAMPLES, INSTANCE_EXAMPLES, INSTANCE_PAGE_EXAMPLES, INSTANCE_STATS_EXAMPLES, ROLLBACK_EXAMPLES, UPDATE_INSTANCE_EXAMPLES } from './dto/instance.examples';
import { RollbackDto } from './dto/version.dto';

const ETAG_HEADER = { ETag: { description: 'The instance version, for If-Match on PUT.', schema: { type: 'string', example: '"3"' } } };

@ApiTags('instances')
@Controller('api/plugins/instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Get()
  @Endpoint({
    operationId: 'listInstances',
    summary: 'List instances',
    description: 'Newest first, filtered by template, enabled flag, status or a name substring; cursor-paginated. `include_total=true` adds `total`, the number of instances matching the filters.',
    scope: 'read',
    ok: { status: 200, type: InstancePageDto, description: 'A page of instances.', examples: INSTANCE_PAGE_EXAMPLES },
    problems: ['validation-failed'],
  })
  async list(@Query() query: ListInstancesQueryDto): Promise<InstancePageDto> {
    const page = await this.instances.list(query);
    return { ...mapPage(page, InstanceDto.from), ...(page.total !== undefined ? { total: page.total } : {}) };
  }

  @Post()
  @Endpoint({
    operationId: 'createInstance',
    summary: 'Create an instance',
    description:
      "Creates a named instance of a template. `config` is validated against the template's JSON Schema; each failing field is reported with a JSON Pointer. " +
      '`schedule` makes it run by itself; `depends_on` makes it run after other instances succeed (each id must name an instance: 400 at `/depends_on/N` otherwise).',
    scope: 'write',
    body: { type: CreateInstanceDto, examples: CREATE_INSTANCE_EXAMPLES },
    ok: {
      status: 201,
      type: InstanceDto,
      description: 'Created.',
      examples: INSTANCE_EXAMPLES.created,
      headers: { ...ETAG_HEADER, Location: { description: 'URL of the new instance.', schema: { type: 'string', example: '/api/plugins/instances/3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' } } },
    },
    problems: ['validation-failed', 'config-invalid', 'malformed-json', 'json-too-deep', 'name-taken', 'single-instance-template', 'payload-too-large', 'unsupported-media-type', 'unknown-template'],
  })
  async create(@Body() body: CreateInstanceDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<InstanceDto> {
    const instance = await this.instances.create(body, principal);
    void reply.header('location', `/api/plugins/instances/${instance.id}`).header('etag', etagForVersion(instance.version));
    return InstanceDto.from(instance);
  }

  @Get('stats')
  @Endpoint({
    operationId: 'getInstanceStats',
    summary: 'Instance statistics',
    description: 'Counts of instances in total, per status and per template.',
    scope: 'read',
    ok: { status: 200, type: InstanceStatsDto, description: 'Counts.', examples: INSTANCE_STATS_EXAMPLES },
    problems: [],
  })
  async stats(): Promise<InstanceStatsDto> {
    return this.instances.stats();
  }

  @Get(':id')
  @Endpoint({
    operationId: 'getInstance',
    summary: 'Get an instance',
    description: 'One instance, with its ETag for a later conditional update.',
    scope: 'read',
    params: INSTANCE_ID_PARAM,
    ok: { status: 200, type: InstanceDto, description: 'The instance.', examples: INSTANCE_EXAMPLES.read, headers: ETAG_HEADER },
    problems: ['instance-not-found'],
  })
  async get(@Param() { id }: UuidParam, @Res({ passthrough: true }) reply: FastifyReply): Promise<InstanceDto> {
    const instance = await this.instances.get(id);
    void reply.header('etag', etagForVersion(instance.version));
    return InstanceDto.from(instance);
  }

  @Put(':id')
  @Endpoint({
    operationId: 'updateInstance',
    summary: 'Update an instance',
    description:
      'Partial update of name, config, enabled, execution_policy, schedule and depends_on (at least one). `config` replaces the stored config and is validated; a secret sent as `"********"` or left out keeps its stored value. Disabling sets status inactive; enabling restores the status the last run implies. ' +
      '`depends_on` replaces the list of upstreams; one that would make the instance wait, directly or through others, for itself is refused with 409 `dependency-cycle` naming the loop. ' +
      'An instance a provisioning file declares (`provisioned_from`) is refused with 409 `provisioned` naming the file.',
    scope: 'write',
    params: INSTANCE_ID_PARAM,
    headers: [{ name: 'If-Match', required: false, description: 'The ETag last read; the update fails with 412 if the instance changed since.', example: '"3"' }],
    body: { type: UpdateInstanceDto, examples: UPDATE_INSTANCE_EXAMPLES },
    ok: { status: 200, type: InstanceDto, description: 'The updated instance.', examples: INSTANCE_EXAMPLES.updated, headers: ETAG_HEADER },
    problems: ['validation-failed', 'config-invalid', 'malformed-json', 'json-too-deep', 'instance-not-found', 'name-taken', 'dependency-cycle', 'provisioned', 'template-unavailable', 'precondition-failed', 'payload-too-large', 'unsupported-media-type'],
  })
  async update(
    @Param() { id }: UuidParam,
    @Body() body: UpdateInstanceDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InstanceDto> {
    const instance = await this.instances.update(id, body, ifMatch, principal);
    void reply.header('etag', etagForVersion(instance.version));
    return InstanceDto.from(instance);
  }

  @Post(':id/rollback')
  @HttpCode(200)
  @Endpoint({
    operationId: 'rollbackInstance',
    summary: 'Roll an instance back to an earlier version',
    description:
      'Makes the instance what `version` was (name, config with its secrets, enabled, execution_policy, schedule, depends_on) as a NEW version: history is never rewritten, and runs from now on name the new version as `config_version`. ' +
      "The content is checked as an update's is: the config against the template as loaded now (400 `config-invalid`), the name still free (409 `name-taken`), the dependencies known and without a cycle. " +
      "A version saved under an older version of the template is migrated first (the template's `migrate`), and stored under the loaded one; one that cannot be migrated, or was saved under a newer template version, answers 409 (`config-migration-failed`, `template-version-newer`) and changes nothing. " +
      'A rollback that stores a valid config also clears a `config_error`. `If-Match` guards it like a PUT. ' +
      'A provisioned instance (`provisioned_from`) is refused with 409 `provisioned`: its file decides its content.',
    scope: 'write',
    params: INSTANCE_ID_PARAM,
    headers: [{ name: 'If-Match', required: false, description: 'The ETag last read; the rollback fails with 412 if the instance changed since.', example: '"4"' }],
    body: { type: RollbackDto, examples: ROLLBACK_EXAMPLES },
    ok: { status: 200, type: InstanceDto, description: 'The instance at its new version.', examples: INSTANCE_EXAMPLES.rolledBack, headers: ETAG_HEADER },
    problems: ['validation-failed', 'config-invalid', 'malformed-json', 'instance-not-found', 'version-not-found', 'name-taken', 'dependency-cycle', 'template-unavailable', 'config-migration-failed', 'template-version-newer', 'provisioned', 'precondition-failed', 'unsupported-media-type'],
  })
  async rollback(
    @Param() { id }: UuidParam,
    @Body() body: RollbackDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InstanceDto> {
    const instance = await this.instances.rollback(id, body.version, ifMatch, principal);
    void reply.header('etag', etagForVersion(instance.version));
    return InstanceDto.from(instance);
  }

  @Delete(':id')
  @Endpoint({
    operationId: 'deleteInstance',
    summary: 'Delete an instance',
    description:
      'Deletes the instance, its run history, its webhooks and its own dependencies. Refused while a run is in progress (409 `instance-running`), while other instances depend on it (409 `has-dependents` naming them), ' +
      'and while a provisioning file declares it (409 `provisioned` naming the file: delete it with the file\'s `delete_instances`).',
    scope: 'write',
    params: INSTANCE_ID_PARAM,
    ok: { status: 204, description: 'Deleted.' },
    problems: ['instance-not-found', 'instance-running', 'has-dependents', 'provisioned'],
  })
  async delete(@Param() { id }: UuidParam): Promise<void> {
    await this.instances.delete(id);
  }
}
