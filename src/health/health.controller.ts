import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Endpoint } from '../auth/endpoint.decorator';
import { DomainError } from '../common/domain-errors';
import { DataStoreService } from '../data-store/data-store.service';
import { SchedulerFigures } from '../execution/scheduler-figures';
import { TemplateRegistryService } from '../templates/template-registry.service';
import { HealthDto } from './dto/health.dto';
import { HEALTH_EXAMPLES } from './dto/health.examples';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly templates: TemplateRegistryService,
    private readonly dataStore: DataStoreService,
    private readonly schedulerFigures: SchedulerFigures,
  ) {}

  @Get()
  @Endpoint({
    operationId: 'getHealth',
    summary: 'Health check',
    description:
      'Open to everyone, without an API key, and never rate limited, so load balancers and orchestrators can poll it. 200 when the service can answer requests and both its database and the data store respond; 503 otherwise. It also reports the scheduler ticks of this process: how long finding and firing due slots takes, and what the ticks did.',
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
      scheduler: this.schedulerFigures.snapshot(),
    };
  }
}
