import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { epochSecondsToIso } from '../../common/time';
import { FILE_STATUSES, FileStatus, INSTANCE_ACTIONS, InstanceAction, PROVISIONING_STATUSES, ProvisioningReport, ProvisioningStatus } from '../provisioning-report';

/** What is wrong with a file (or the set), and where. */
export class ProvisioningProblemDto {
  @ApiProperty({ example: 'environment variable LAB_TOKEN is not set' })
  message: string;

  @ApiPropertyOptional({ description: "A JSON Pointer into the file's content (after parsing), when the problem sits somewhere in particular.", example: '/instances/2/config/auth/token' })
  path?: string;
}

export class ProvisionedInstanceOutcomeDto {
  @ApiProperty({ example: 'Nightly equipment' })
  name: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The instance; null when a `delete_instances` entry named none.', example: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15' })
  id: string | null;

  @ApiProperty({
    enum: INSTANCE_ACTIONS,
    enumName: 'ProvisioningAction',
    description: 'created; updated (a new version, change_kind `provisioning`); unchanged (no new version); deleted; absent (delete_instances named an instance that does not exist).',
    example: 'unchanged',
  })
  action: InstanceAction;
}

export class ProvisioningFileReportDto {
  @ApiProperty({ description: 'The file name, relative to PROVISIONING_PATH.', example: 'lab.yaml' })
  file: string;

  @ApiProperty({ enum: FILE_STATUSES, enumName: 'ProvisioningFileStatus', description: 'applied; invalid (see `error`); not_applied (the file is fine, but another one is not, and the set is applied whole or not at all).', example: 'applied' })
  status: FileStatus;

  @ApiProperty({ type: [ProvisionedInstanceOutcomeDto], description: 'What applying did to each instance the file names, in file order (`instances`, then `delete_instances`); empty unless the set was applied.' })
  instances: ProvisionedInstanceOutcomeDto[];

  @ApiProperty({ type: ProvisioningProblemDto, nullable: true, description: 'The first problem found in the file; null when it has none.', example: null })
  error: ProvisioningProblemDto | null;
}

export class ReleasedInstanceDto {
  @ApiProperty({ format: 'uuid', example: '5d2e8b14-7c6a-4f3e-8b1d-2a9c0e6f4d37' })
  id: string;

  @ApiProperty({ example: 'Nightly bookings' })
  name: string;

  @ApiProperty({ description: 'The file that declared it.', example: 'lab.yaml' })
  file: string;
}

/** The last attempt to apply the provisioning files. */
export class ProvisioningReportDto {
  @ApiProperty({ type: String, nullable: true, description: 'PROVISIONING_PATH, resolved; null when provisioning is off.', example: '/etc/pif/provisioning' })
  path: string | null;

  @ApiProperty({ enum: PROVISIONING_STATUSES, enumName: 'ProvisioningStatus', description: 'off: PROVISIONING_PATH is not set; applied: every file was applied; failed: nothing was changed (see `error` and each file\'s `error`).', example: 'applied' })
  status: ProvisioningStatus;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the files were last read (at boot or by reload).', example: '2026-12-07T08:00:00.000Z' })
  checked_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When this process last applied them successfully; a failed attempt leaves it as it was.', example: '2026-12-07T08:00:00.120Z' })
  applied_at: string | null;

  @ApiProperty({ type: ProvisioningProblemDto, nullable: true, description: 'A problem of the set as a whole (the folder cannot be read, or applying failed for a reason no file explains); null otherwise.', example: null })
  error: ProvisioningProblemDto | null;

  @ApiProperty({ type: [ProvisioningFileReportDto], description: 'Every provisioning file in the folder (`*.yaml`, `*.yml`, `*.json`), by name.' })
  files: ProvisioningFileReportDto[];

  @ApiProperty({ type: [ReleasedInstanceDto], description: 'Instances this attempt found provisioned from a file that no longer declares them: left as they are, and writable through the API again.' })
  released: ReleasedInstanceDto[];

  static from(report: ProvisioningReport): ProvisioningReportDto {
    return {
      path: report.path,
      status: report.status,
      checked_at: epochSecondsToIso(report.checked_at),
      applied_at: epochSecondsToIso(report.applied_at),
      error: report.error,
      files: report.files.map((file) => ({ ...file, instances: file.instances.map((instance) => ({ ...instance })) })),
      released: report.released.map((instance) => ({ ...instance })),
    };
  }
}
