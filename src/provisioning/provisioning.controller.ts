import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../auth/endpoint.decorator';
import { ProvisioningReportDto } from './dto/provisioning.dto';
import { PROVISIONING_REPORT_EXAMPLES } from './dto/provisioning.examples';
import { ProvisioningService } from './provisioning.service';

@ApiTags('provisioning')
@Controller('api/plugins/provisioning')
export class ProvisioningController {
  constructor(private readonly provisioning: ProvisioningService) {}

  @Get()
  @Endpoint({
    operationId: 'getProvisioningStatus',
    summary: 'Provisioning status',
    description:
      'The last attempt (at boot or by reload) to apply the provisioning files in PROVISIONING_PATH: each file with what applying it did to each instance it names, or its first problem with a JSON Pointer into the file. ' +
      'The files are applied whole or not at all: when one has a problem, `status` is `failed` and nothing was changed. `status` is `off` when PROVISIONING_PATH is not set.',
    scope: 'read',
    ok: { status: 200, type: ProvisioningReportDto, description: 'The last attempt.', examples: PROVISIONING_REPORT_EXAMPLES },
    problems: [],
  })
  status(): ProvisioningReportDto {
    return ProvisioningReportDto.from(this.provisioning.status());
  }

  @Post('reload')
  @HttpCode(200)
  @Endpoint({
    operationId: 'reloadProvisioning',
    summary: 'Apply the provisioning files again',
    description:
      'Reads every file in PROVISIONING_PATH again and applies the set, matched by name: creates the instances that are missing, gives the ones that differ a new version (change_kind `provisioning`, changed_by the file), leaves the others as they are, deletes what `delete_instances` names, and releases instances whose file no longer declares them. ' +
      'All or nothing: a file with a problem (syntax, an unset `${VAR}`, an unknown template, an invalid config, an unknown or cyclic depends_on, a duplicate name) changes nothing, and is reported on its file with `status: failed` (still a 200: the report is the answer). ' +
      'Reloads run one at a time. With PROVISIONING_PATH unset, answers `status: off` and does nothing.',
    scope: 'admin',
    ok: { status: 200, type: ProvisioningReportDto, description: 'The attempt this request made.', examples: PROVISIONING_REPORT_EXAMPLES },
    problems: [],
  })
  async reload(): Promise<ProvisioningReportDto> {
    return ProvisioningReportDto.from(await this.provisioning.reload());
  }
}
