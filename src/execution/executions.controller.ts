import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/api-problems.decorator';
import { mapPage } from '../common/pagination';
import { ListExecutionsQueryDto } from './dto/execution-requests.dto';
import { ExecutionDto, ExecutionPageDto } from './dto/execution.dto';
import { ExecutionService } from './execution.service';

const INSTANCE_ID_PARAM = ApiParam({ name: 'id', description: 'Instance id (uuid).', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' });

@ApiTags('executions')
@Controller('api/plugins')
export class ExecutionsController {
  constructor(private readonly executions: ExecutionService) {}

  @Post('instances/:id/execute')
  @HttpCode(200)
  @INSTANCE_ID_PARAM
  @ApiOperation({
    operationId: 'executeInstance',
    summary: 'Run an instance',
    description: "Runs the instance's handler with its config (template defaults applied) and waits for it. The run is recorded whatever its outcome: a failed run is still a 200 whose `status` is `failed` and whose `error` says why.",
  })
  @ApiOkResponse({ type: ExecutionDto, description: 'The finished run.' })
  @ApiProblems('instance-not-found', 'instance-disabled', 'template-unavailable', 'execution-in-progress')
  async execute(@Param('id') id: string): Promise<ExecutionDto> {
    return ExecutionDto.from(await this.executions.execute(id, { type: 'manual' }));
  }

  @Get('instances/:id/executions')
  @INSTANCE_ID_PARAM
  @ApiOperation({ operationId: 'listInstanceExecutions', summary: "List an instance's runs", description: 'Run history of one instance, newest first, optionally by status; cursor-paginated.' })
  @ApiOkResponse({ type: ExecutionPageDto, description: 'A page of runs.' })
  @ApiProblems('validation-failed', 'instance-not-found')
  async list(@Param('id') id: string, @Query() query: ListExecutionsQueryDto): Promise<ExecutionPageDto> {
    const page = await this.executions.listForInstance(id, query);
    return mapPage(page, ExecutionDto.from);
  }

  @Get('executions/:execution_id')
  @ApiParam({ name: 'execution_id', description: 'Execution id (uuid).', example: '8a0e6c52-1d3b-4f7a-b2c9-5e4d3f2a1b0c' })
  @ApiOperation({ operationId: 'getExecution', summary: 'Get a run', description: 'One run: status, timings, progress, result or error.' })
  @ApiOkResponse({ type: ExecutionDto, description: 'The run.' })
  @ApiProblems('execution-not-found')
  async get(@Param('execution_id') executionId: string): Promise<ExecutionDto> {
    return ExecutionDto.from(await this.executions.get(executionId));
  }
}
