import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROBLEM_TYPES } from './problem-types';

export class FieldErrorDto {
  @ApiProperty({ description: 'JSON Pointer into the request body (query parameters by name).', example: '/config/text' })
  path: string;

  @ApiProperty({ example: 'is required' })
  message: string;
}

/** RFC 9457 problem details, as every error response carries them. */
export class ProblemDto {
  @ApiProperty({ enum: Object.keys(PROBLEM_TYPES), enumName: 'ProblemType', description: 'Stable slug identifying the problem; switch on this.', example: 'config-invalid' })
  type: string;

  @ApiProperty({ example: 'Config is not valid for the template' })
  title: string;

  @ApiProperty({ type: 'integer', example: 400 })
  status: number;

  @ApiProperty({ example: "config is not valid for template 'table_loader'" })
  detail: string;

  @ApiPropertyOptional({ description: 'The request path.', example: '/api/plugins/instances' })
  instance?: string;

  @ApiPropertyOptional({ description: 'Request id, also in the x-request-id response header and the logs.', example: 'req-1' })
  request_id?: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'One entry per failing field.' })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({ format: 'uuid', description: 'execution-in-progress / instance-running: the run in progress.' })
  execution_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'name-taken / single-instance-template: the existing instance; config-migration-failed / template-version-newer: the instance refused.' })
  instance_id?: string;

  @ApiPropertyOptional({ description: 'config-migration-failed / template-version-newer: the template version the config was saved under.', example: '1.0.0' })
  from_version?: string;

  @ApiPropertyOptional({ description: 'config-migration-failed / template-version-newer: the template version this server loads.', example: '2.0.0' })
  to_version?: string;

  @ApiPropertyOptional({
    description: 'precondition-failed: the ETag the resource has now (the instance\'s current version, quoted). Send it as If-Match after reloading, to apply a change on top of it.',
    example: '"4"',
  })
  current_etag?: string;

  @ApiPropertyOptional({ enum: ['read', 'write', 'execute', 'admin'], description: 'forbidden: the scope the operation needs (`admin` always suffices).', example: 'write' })
  required_scope?: string;
}
