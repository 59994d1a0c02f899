import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../auth/endpoint.decorator';
import { DependencyGraphDto, GraphQueryDto } from './dto/graph.dto';
import { GRAPH_EXAMPLES } from './dto/graph.examples';
import { InstanceDependenciesService } from './instance-dependencies.service';

@ApiTags('instances')
@Controller('api/plugins')
export class GraphController {
  constructor(private readonly dependencies: InstanceDependenciesService) {}

  @Get('graph')
  @Endpoint({
    operationId: 'getDependencyGraph',
    summary: 'The dependency graph',
    description:
      'Instances linked by `depends_on`, for drawing: nodes are the instances with a dependency or a dependent, edges run from upstream to dependent. ' +
      "An edge's `satisfied_by` shows the join state: the upstream run that counts toward the dependent's next run, or null while the dependent still waits for that upstream. " +
      'With `instance_id`, only the part connected to that instance.',
    scope: 'read',
    ok: { status: 200, type: DependencyGraphDto, description: 'The graph.', examples: GRAPH_EXAMPLES },
    problems: ['validation-failed', 'instance-not-found'],
  })
  graph(@Query() query: GraphQueryDto): Promise<DependencyGraphDto> {
    return this.dependencies.graph(query.instance_id);
  }
}
