import { ApiExamples, EXAMPLE_IDS } from '../../common/api-examples';
import { InstanceDto, InstancePageDto, InstanceStatsDto } from './instance.dto';
import { CreateInstanceDto, UpdateInstanceDto } from './instance-requests.dto';
import { RollbackDto } from './version.dto';

const CONFIG = { file_path: 'imports/equipment.csv', table_name: 'ilab_equipment_2024', has_header: true };

/** An instance whose last run (SUCCEEDED_EXECUTION in execution.examples.ts) succeeded. */
export const ACTIVE_INSTANCE: InstanceDto = {
  id: EXAMPLE_IDS.instance,
  name: 'iLab Equipment 2024',
  template_id: 'table_loader',
  config: CONFIG,
  secret_fields: [],
  enabled: true,
  status: 'active',
  last_run: '2026-11-24T10:15:30.120Z',
  last_result: { rows_imported: 12, table_name: 'ilab_equipment_2024', file_path: 'imports/equipment.csv', file_type: 'csv', mode: 'replace' },
  consecutive_failures: 0,
  created_at: '2026-11-24T10:00:00.000Z',
  updated_at: '2026-11-24T10:15:30.120Z',
  version: 3,
  template_version: '2.0.0',
  config_error: null,
  execution_policy: { timeout_ms: null, max_attempts: 1, backoff_ms: 1000, disable_after_failures: null },
  created_by: EXAMPLE_IDS.apiKey,
  schedule: { cron: '0 6 * * 1-5', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true },
  next_run_at: '2026-11-25T05:00:00.000Z',
  schedule_state: { last_fired_for: '2026-11-24T05:00:00.000Z', missed: 0, skipped_overlap: 1, last_skip: { scheduled_for: '2026-11-20T05:00:00.000Z', reason: 'overlap' } },
  depends_on: [],
  provisioned_from: null,
};

/** Just created: never run. */
export const NEW_INSTANCE: InstanceDto = {
  ...ACTIVE_INSTANCE,
  status: 'pending',
  last_run: null,
  last_result: null,
  consecutive_failures: 0,
  updated_at: '2026-11-24T10:00:00.000Z',
  version: 1,
  execution_policy: { timeout_ms: null, max_attempts: 3, backoff_ms: 1000, disable_after_failures: null },
  schedule: null,
  next_run_at: null,
  schedule_state: { last_fired_for: null, missed: 0, skipped_overlap: 0, last_skip: null },
};

/** An api_fetcher instance with a bearer token: the secret shows as the mask, and is listed in secret_fields. */
const FETCHER_INSTANCE: InstanceDto = {
  id: EXAMPLE_IDS.otherInstance,
  name: 'PI Directory',
  template_id: 'api_fetcher',
  config: { url: 'https://directory.example.org/api/pis', auth: { type: 'bearer', token: '********' }, store: { table_name: 'pi_directory' } },
  secret_fields: ['auth.token'],
  enabled: false,
  status: 'inactive',
  last_run: '2026-11-23T06:00:04.250Z',
  last_result: { status: 'error', error: { type: 'handler_error', message: 'GET https://directory.example.org/api/pis answered 503 after 3 attempts' } },
  consecutive_failures: 2,
  created_at: '2026-11-20T09:00:00.000Z',
  updated_at: '2026-11-23T08:30:00.000Z',
  version: 5,
  template_version: '1.0.0',
  config_error: null,
  execution_policy: { timeout_ms: 60000, max_attempts: 3, backoff_ms: 2000, disable_after_failures: 5 },
  created_by: null,
  schedule: { every: '1h', timezone: 'UTC', catch_up: 'skip', enabled: true },
  next_run_at: null,
  schedule_state: { last_fired_for: '2026-11-23T06:00:00.000Z', missed: 2, skipped_overlap: 0, last_skip: { scheduled_for: '2026-11-23T08:00:00.000Z', reason: 'downtime' } },
  depends_on: [],
  provisioned_from: null,
};

/** Saved under table_loader 2.1.0, then the server was started with 2.0.0 again: it keeps its config and does not run. */
const NEWER_CONFIG_INSTANCE: InstanceDto = {
  ...ACTIVE_INSTANCE,
  config: { ...CONFIG, mode: 'append' },
  status: 'error',
  template_version: '2.1.0',
  config_error: {
    type: 'template-version-newer',
    message: "its config was saved under version 2.1.0 of template 'table_loader', newer than the loaded 2.0.0; load that version of the plugin again, or save a config valid for 2.0.0",
    from_version: '2.1.0',
    to_version: '2.0.0',
    errors: [],
  },
};

export const INSTANCE_EXAMPLES = {
  created: { pending: { summary: 'A new instance, never run', value: NEW_INSTANCE } },
  read: {
    active: { summary: 'An instance whose last run succeeded', value: ACTIVE_INSTANCE },
    newer_template_version: { summary: 'A config saved under a newer template version than loaded: error, not run until fixed', value: NEWER_CONFIG_INSTANCE },
  },
  updated: {
    renamed: { summary: 'Renamed and given a timeout (version went up)', value: { ...ACTIVE_INSTANCE, name: 'iLab Equipment 2025', version: 4, updated_at: '2026-11-24T11:00:00.000Z', execution_policy: { ...ACTIVE_INSTANCE.execution_policy, timeout_ms: 600000 } } },
  },
  rolledBack: {
    to_version_2: { summary: "Version 2's content, now as version 5", value: { ...ACTIVE_INSTANCE, version: 5, updated_at: '2026-11-24T12:00:00.000Z' } },
  },
} satisfies Record<string, ApiExamples<InstanceDto>>;

export const INSTANCE_PAGE_EXAMPLES: ApiExamples<InstancePageDto> = {
  page: {
    summary: 'A page of instances (limit=2), newest first; more follow',
    value: { items: [ACTIVE_INSTANCE, FETCHER_INSTANCE], next_cursor: 'WzE3OTUxNjUyMDAsIjVkMmU4YjE0LTdjNmEtNGYzZS04YjFkLTJhOWMwZTZmNGQzNyJd' },
  },
  with_total: {
    summary: 'With include_total=true: the first 2 of the 1,234 instances that match',
    value: { items: [ACTIVE_INSTANCE, FETCHER_INSTANCE], next_cursor: 'WzE3OTUxNjUyMDAsIjVkMmU4YjE0LTdjNmEtNGYzZS04YjFkLTJhOWMwZTZmNGQzNyJd', total: 1234 },
  },
};

export const INSTANCE_STATS_EXAMPLES: ApiExamples<InstanceStatsDto> = {
  stats: { summary: 'Three instances of two templates', value: { total: 3, by_status: { pending: 1, active: 1, error: 0, inactive: 1 }, by_template: { table_loader: 2, api_fetcher: 1 } } },
};

export const CREATE_INSTANCE_EXAMPLES: ApiExamples<CreateInstanceDto> = {
  table_loader: {
    summary: 'Import a CSV file into a table, retrying twice',
    value: { template_id: 'table_loader', name: 'iLab Equipment 2024', config: CONFIG, enabled: true, execution_policy: { max_attempts: 3, backoff_ms: 1000 } },
  },
  weekday_mornings: {
    summary: 'Import every weekday at 06:00 Berlin time',
    value: { template_id: 'table_loader', name: 'iLab Equipment nightly', config: CONFIG, schedule: { cron: '0 6 * * 1-5', timezone: 'Europe/Berlin', catch_up: 'once' } },
  },
  after_imports: {
    summary: 'Run after two other instances have both succeeded',
    value: {
      template_id: 'transformer',
      name: 'Equipment by lab',
      config: { query: 'SELECT lab, COUNT(*) AS items FROM ilab_equipment_2024 GROUP BY lab', target_table: 'equipment_by_lab' },
      depends_on: [EXAMPLE_IDS.instance, EXAMPLE_IDS.otherInstance],
    },
  },
};

export const UPDATE_INSTANCE_EXAMPLES: ApiExamples<UpdateInstanceDto> = {
  // Keys are sorted in the spec and Swagger UI shows the first.
  change_name_and_timeout: { summary: 'Rename and set a 10-minute timeout', value: { name: 'iLab Equipment 2025', execution_policy: { timeout_ms: 600000 } } },
  disable: { summary: 'Disable (status becomes inactive)', value: { enabled: false } },
  every_quarter_hour: { summary: 'Run every 15 minutes', value: { schedule: { every: '15m' } } },
  remove_schedule: { summary: 'Remove the schedule', value: { schedule: null } },
  run_after: { summary: 'Run after another instance succeeds', value: { depends_on: [EXAMPLE_IDS.otherInstance] } },
};

export const ROLLBACK_EXAMPLES: ApiExamples<RollbackDto> = {
  version_2: { summary: 'Take back the content of version 2', value: { version: 2 } },
};
