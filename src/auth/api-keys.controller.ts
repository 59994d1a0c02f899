import { Body, Controller, Delete, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { mapPage } from '../common/pagination';
import { UuidParam } from '../common/path-params.dto';
import { Endpoint } from './endpoint.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto, ListApiKeysQueryDto } from './dto/api-key.dto';
import { API_KEY_EXAMPLES, API_KEY_PAGE_EXAMPLES, CREATE_API_KEY_EXAMPLES, CREATED_API_KEY_EXAMPLES } from './dto/api-key.examples';

const KEY_ID_PARAM = { id: { description: 'API key id (uuid).', example: '6b1f0d4e-2c3a-4b5d-8e9f-0a1b2c3d4e5f' } };

@ApiTags('keys')
@Controller('api/keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @Endpoint({
    operationId: 'listApiKeys',
    summary: 'List API keys',
    description: 'Every key, revoked and expired ones included, newest first; cursor-paginated. Tokens and hashes are never shown.',
    scope: 'admin',
    ok: { status: 200, type: ApiKeyPageDto, description: 'A page of keys.', examples: API_KEY_PAGE_EXAMPLES },
    problems: ['validation-failed'],
  })
  async list(@Query() query: ListApiKeysQueryDto): Promise<ApiKeyPageDto> {
    const page = await this.keys.list(query);
    const now = Date.now() / 1000;
    return mapPage(page, (key) => ApiKeyDto.from(key, now));
  }

  @Post()
  @Endpoint({
    operationId: 'createApiKey',
    summary: 'Create an API key',
    description: 'Creates a key with the given scopes and optional expiry. The answer carries the token, once: store it, since only its SHA-256 is kept.',
    scope: 'admin',
    body: { type: CreateApiKeyDto, examples: CREATE_API_KEY_EXAMPLES },
    ok: {
      status: 201,
      type: CreatedApiKeyDto,
      description: 'Created; `token` is shown this once.',
      examples: CREATED_API_KEY_EXAMPLES,
      headers: { Location: { description: 'URL of the new key.', schema: { type: 'string', example: '/api/keys/6b1f0d4e-2c3a-4b5d-8e9f-0a1b2c3d4e5f' } } },
    },
    problems: ['validation-failed', 'malformed-json', 'key-name-taken', 'payload-too-large', 'unsupported-media-type'],
  })
  async create(@Body() body: CreateApiKeyDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<CreatedApiKeyDto> {
    const { key, token } = await this.keys.create({ name: body.name, scopes: body.scopes, expiresAt: body.expires_at ? Date.parse(body.expires_at) / 1000 : null });
    void reply.header('location', `/api/keys/${key.id}`);
    return { ...ApiKeyDto.from(key), token };
  }

  @Get(':id')
  @Endpoint({
    operationId: 'getApiKey',
    summary: 'Get an API key',
    description: 'One key: name, scopes, state and times. The token is never shown again.',
    scope: 'admin',
    params: KEY_ID_PARAM,
    ok: { status: 200, type: ApiKeyDto, description: 'The key.', examples: API_KEY_EXAMPLES },
    problems: ['key-not-found'],
  })
  async get(@Param() { id }: UuidParam): Promise<ApiKeyDto> {
    return ApiKeyDto.from(await this.keys.get(id));
  }

  @Delete(':id')
  @Endpoint({
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    description: 'Revokes the key: from now on this server answers 401 to it. The key stays listed as revoked and its name stays taken. Revoking a revoked key changes nothing.',
    scope: 'admin',
    params: KEY_ID_PARAM,
    ok: { status: 204, description: 'Revoked.' },
    problems: ['key-not-found'],
  })
  async revoke(@Param() { id }: UuidParam): Promise<void> {
    await this.keys.revoke(id);
  }
}
