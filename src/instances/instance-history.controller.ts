import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../auth/endpoint.decorator';
import { mapPage } from '../common/pagination';
import { INSTANCE_ID_PARAM, UuidParam, VersionPathParams } from '../common/path-params.dto';
import { DiffQueryDto, ListVersionsQueryDto, VersionDiffDto, VersionDto, VersionPageDto } from './dto/version.dto';
import { VERSION_DIFF_EXAMPLES, VERSION_EXAMPLES, VERSION_PAGE_EXAMPLES } from './dto/version.examples';
import { InstanceHistoryService } from './instance-history.service';
import { InstancesService } from './instances.service';

const VERSION_PARAMS = { ...INSTANCE_ID_PARAM, version: { description: 'A version of the instance (its `version` when that content was written).', example: 2 } };

@ApiTags('instances')
@Controller('api/plugins/instances/:id/versions')
export class InstanceHistoryController {
  constructor(
    private readonly history: InstanceHistoryService,
    private readonly instances: InstancesService,
  ) {}

  @Get()
  @Endpoint({
    operationId: 'listInstanceVersions',
    summary: "List an instance's versions",
    description:
      'Every version of the instance\'s definition, newest first: what it was (secrets masked), when, who changed it (the API key\'s name, `loopback` or `system`) and how (create, update, rollback, migration, provisioning). ' +
      'Runs do not make versions. The newest INSTANCE_HISTORY_LIMIT versions are kept.',
    scope: 'read',
    params: INSTANCE_ID_PARAM,
    ok: { status: 200, type: VersionPageDto, description: 'A page of versions.', examples: VERSION_PAGE_EXAMPLES },
    problems: ['validation-failed', 'instance-not-found'],
  })
  async list(@Param() { id }: UuidParam, @Query() query: ListVersionsQueryDto): Promise<VersionPageDto> {
    await this.instances.get(id);
    return mapPage(await this.history.list(id, query), VersionDto.from);
  }

  @Get(':version')
  @Endpoint({
    operationId: 'getInstanceVersion',
    summary: 'Get one version of an instance',
    description: 'The instance\'s definition as it was at `version`, secrets masked.',
    scope: 'read',
    params: VERSION_PARAMS,
    ok: { status: 200, type: VersionDto, description: 'The version.', examples: VERSION_EXAMPLES },
    problems: ['validation-failed', 'instance-not-found', 'version-not-found'],
  })
  async get(@Param() { id, version }: VersionPathParams): Promise<VersionDto> {
    return VersionDto.from(await this.history.get(id, version));
  }

  @Get(':version/diff')
  @Endpoint({
    operationId: 'diffInstanceVersions',
    summary: 'Compare two versions of an instance',
    description:
      'The RFC 6902 JSON Patch that turns version `version` into version `to` (default: the current one), over the version documents `{name, template_id, config, enabled, execution_policy, schedule, depends_on}`. ' +
      'A secret whose value differs shows as replaced (added, removed) with the mask, never its value; one sealed again with the same value shows no change.',
    scope: 'read',
    params: VERSION_PARAMS,
    ok: { status: 200, type: VersionDiffDto, description: 'The patch.', examples: VERSION_DIFF_EXAMPLES },
    problems: ['validation-failed', 'instance-not-found', 'version-not-found'],
  })
  async diff(@Param() { id, version }: VersionPathParams, @Query() query: DiffQueryDto): Promise<VersionDiffDto> {
    const to = query.to ?? (await this.instances.get(id)).version;
    return { instance_id: id, from: version, to, patch: await this.history.diff(id, version, to) };
  }
}
