import { Controller, Get } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Endpoint } from '../auth/endpoint.decorator';
import { DomainError } from '../common/domain-errors';
import { DataStoreService } from '../data-store/data-store.service';
import { TemplateRegistryService } from '../templates/template-registry.service';
import { ApiExamples } from '../common/api-examples';

export class HealthDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status: 'ok';

  @ApiProperty({ enum: ['ok'], description: 'The framework database answered a query.', example: 'ok' })
  database: 'ok';

  @ApiProperty({ enum: ['ok'], description: 'The data store (imported tables) answered a query.', example: 'ok' })
  data_store: 'ok';

  @ApiProperty({ type: 'integer', description: 'Templates loaded.', example: 5 })
  templates: number;

  @ApiProperty({ type: 'integer', description: 'Plugins that failed to load (see /api/plugins/load-errors).', example: 0 })
  plugin_load_errors: number;

  @ApiProperty({ description: 'Seconds since the process started.', example: 42.5 })
  uptime_s: number;
}

const HEALTH_EXAMPLES: ApiExamples<HealthDto> = {
  healthy: { summary: 'Healthy, five templates loaded', value: { status: 'ok', database: 'ok', data_store: 'ok', templates: 5, plugin_load_errors: 0, uptime_s: 3600.2 } },
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly templates: TemplateRegistryService,
    private readonly dataStore: DataStoreService,
  ) {}

  @Get()
  @Endpoint({
    operationId: 'getHealth',
    summary: 'Health check',
    description:
      'Open to everyone, without an API key, and never rate limited, so load balancers and orchestrators can poll it. 200 when the service can answer requests and both its database and the data store respond; 503 otherwise.',
    scope: 'public',
    rateLimited: false,
    ok: { status: 200, type: HealthDto, description: 'Healthy.', examples: HEALTH_EXAMPLES },
    problems: ['service-unavailable'],
  })
  async health(): Promise<HealthDto> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch (error) {
      throw new DomainError('service-unavailable', `database check failed: ${(error as Error).message}`);
    }
    try {
      await this.dataStore.ping();
    } catch (error) {
      throw new DomainError('service-unavailable', `data store check failed: ${(error as Error).message}`);
    }
    return {
      status: 'ok',
      database: 'ok',
      data_store: 'ok',
      templates: this.templates.list().length,
      plugin_load_errors: this.templates.loadErrors().length,
      uptime_s: Math.round(process.uptime() * 10) / 10,
    };
  }
}
