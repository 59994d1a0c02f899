import { Module } from '@nestjs/common';
import { ExecutionModule } from '../execution/execution.module';
import { HealthController } from './health.controller';

/** GET /health. Sits above every other module: it reads the scheduler's figures from the execution module. */
@Module({ imports: [ExecutionModule], controllers: [HealthController] })
export class HealthModule {}
