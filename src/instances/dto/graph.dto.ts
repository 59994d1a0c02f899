import { ApiProperty } from '@nestjs/swagger';
import { UuidField } from '../../common/field.decorators';
import { INSTANCE_STATUSES, InstanceStatus } from '../plugin-instance.entity';

export class GraphQueryDto {
  @UuidField({ description: 'Only the part of the graph connected to this instance (itself included, even without edges).', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15', optional: true })
  instance_id?: string;
}

export class GraphNodeDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' })
  id: string;

  @ApiProperty({ example: 'iLab Equipment 2024' })
  name: string;

  @ApiProperty({ example: 'table_loader' })
  template_id: string;

  @ApiProperty({ enum: INSTANCE_STATUSES, enumName: 'InstanceStatus', example: 'active' })
  status: InstanceStatus;
}

export class GraphEdgeDto {
  @ApiProperty({ format: 'uuid', description: 'The upstream: its success counts toward `to`\'s next run.', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' })
  from: string;

  @ApiProperty({ format: 'uuid', description: 'The dependent (it lists `from` in its `depends_on`).', example: '5d2e8b14-7c6a-4f3e-8b1d-2a9c0e6f4d37' })
  to: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: "The upstream's successful run that counts toward the dependent's next run; null while the dependent still waits for `from` (the join state).",
    example: null,
  })
  satisfied_by: string | null;
}

export class DependencyGraphDto {
  @ApiProperty({ type: [GraphNodeDto], description: 'Instances with at least one dependency or dependent, by name.' })
  nodes: GraphNodeDto[];

  @ApiProperty({ type: [GraphEdgeDto], description: "Edges from upstream to dependent, by dependent and then in the dependent's `depends_on` order." })
  edges: GraphEdgeDto[];
}
