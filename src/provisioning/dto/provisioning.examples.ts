import { ApiExamples, EXAMPLE_IDS } from '../../common/api-examples';
import { ProvisioningReportDto } from './provisioning.dto';

const PATH = '/etc/pif/provisioning';

const APPLIED: ProvisioningReportDto = {
  path: PATH,
  status: 'applied',
  checked_at: '2026-12-07T08:00:00.000Z',
  applied_at: '2026-12-07T08:00:00.120Z',
  error: null,
  files: [
    {
      file: 'lab.yaml',
      status: 'applied',
      instances: [
        { name: 'Nightly equipment', id: EXAMPLE_IDS.instance, action: 'updated' },
        { name: 'Nightly PI directory', id: EXAMPLE_IDS.otherInstance, action: 'unchanged' },
        { name: 'Nightly bookings', id: '9b2e4c61-0d3f-4a8b-b5c7-1e6f2a9d8c30', action: 'created' },
        { name: 'Old equipment import', id: null, action: 'absent' },
      ],
      error: null,
    },
  ],
  released: [],
};

const FAILED: ProvisioningReportDto = {
  path: PATH,
  status: 'failed',
  checked_at: '2026-12-07T09:30:00.000Z',
  applied_at: '2026-12-07T08:00:00.120Z',
  error: null,
  files: [
    { file: 'exports.yaml', status: 'not_applied', instances: [], error: null },
    { file: 'lab.yaml', status: 'invalid', instances: [], error: { message: 'environment variable LAB_SHARE is not set', path: '/instances/1/config/file_path' } },
  ],
  released: [],
};

export const PROVISIONING_REPORT_EXAMPLES: ApiExamples<ProvisioningReportDto> = {
  applied: { summary: 'Applied: one instance updated, one created, one unchanged', value: APPLIED },
  failed: { summary: 'Not applied: a variable is not set in one file, so nothing changed', value: FAILED },
  off: { summary: 'Provisioning is off (PROVISIONING_PATH not set)', value: { path: null, status: 'off', checked_at: null, applied_at: null, error: null, files: [], released: [] } },
};
