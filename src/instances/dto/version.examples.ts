import { ApiExamples, EXAMPLE_IDS } from '../../common/api-examples';
import { VersionDiffDto, VersionDto, VersionPageDto } from './version.dto';

const VERSION_2: VersionDto = {
  instance_id: EXAMPLE_IDS.instance,
  version: 2,
  name: 'iLab Equipment 2024',
  template_id: 'table_loader',
  config: { file_path: 'imports/equipment.csv', table_name: 'ilab_equipment_2024', has_header: true },
  template_version: '1.0.0',
  secret_fields: [],
  enabled: true,
  execution_policy: { timeout_ms: null, max_attempts: 1, backoff_ms: 1000, disable_after_failures: null },
  schedule: null,
  depends_on: [],
  changed_at: '2026-11-24T10:05:00.000Z',
  changed_by: 'lab-admin',
  change_kind: 'update',
  restored_from: null,
};

const VERSION_3: VersionDto = {
  ...VERSION_2,
  version: 3,
  config: { file_path: 'imports/equipment-2025.csv', table_name: 'ilab_equipment_2025', has_header: true, replace_existing: false },
  schedule: { cron: '0 6 * * 1-5', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true },
  changed_at: '2026-11-24T10:12:00.000Z',
};

/** The boot after table_loader went to 2.0.0: replace_existing false became mode append. */
const VERSION_4: VersionDto = {
  ...VERSION_3,
  version: 4,
  config: { file_path: 'imports/equipment-2025.csv', table_name: 'ilab_equipment_2025', has_header: true, mode: 'append' },
  template_version: '2.0.0',
  changed_at: '2026-12-01T07:00:02.000Z',
  changed_by: 'system',
  change_kind: 'migration',
};

/** A rollback to version 2: its content again, as a new version that says which one it restored. */
const VERSION_5: VersionDto = {
  ...VERSION_2,
  version: 5,
  changed_at: '2026-12-02T09:30:00.000Z',
  change_kind: 'rollback',
  restored_from: 2,
};

export const VERSION_EXAMPLES: ApiExamples<VersionDto> = {
  update: { summary: 'A version written by an update', value: VERSION_2 },
  rollback: { summary: 'A version written by a rollback to version 2', value: VERSION_5 },
  migration: { summary: 'A version written by the template config migration at boot', value: VERSION_4 },
};

export const VERSION_PAGE_EXAMPLES: ApiExamples<VersionPageDto> = {
  newest_first: { summary: 'The three newest versions; older ones follow', value: { items: [VERSION_4, VERSION_3, VERSION_2], next_cursor: 'WzJd' } },
  with_rollback: { summary: 'A rollback to version 2 on top of a migration', value: { items: [VERSION_5, VERSION_4, VERSION_3], next_cursor: 'WzNd' } },
};

export const VERSION_DIFF_EXAMPLES: ApiExamples<VersionDiffDto> = {
  file_and_schedule: {
    summary: 'Version 3 changed the file, the table and added a schedule',
    value: {
      instance_id: EXAMPLE_IDS.instance,
      from: 2,
      to: 3,
      patch: [
        { op: 'replace', path: '/schedule', value: { cron: '0 6 * * 1-5', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true } },
        { op: 'add', path: '/config/replace_existing', value: false },
        { op: 'replace', path: '/config/table_name', value: 'ilab_equipment_2025' },
        { op: 'replace', path: '/config/file_path', value: 'imports/equipment-2025.csv' },
      ],
    },
  },
  migration: {
    summary: "Version 4 is table_loader 2.0.0's migration of version 3",
    value: {
      instance_id: EXAMPLE_IDS.instance,
      from: 3,
      to: 4,
      patch: [
        { op: 'replace', path: '/template_version', value: '2.0.0' },
        { op: 'remove', path: '/config/replace_existing' },
        { op: 'add', path: '/config/mode', value: 'append' },
      ],
    },
  },
  secret: { summary: 'A secret changed: shown as the mask, never its value', value: { instance_id: EXAMPLE_IDS.otherInstance, from: 4, to: 5, patch: [{ op: 'replace', path: '/config/auth/token', value: '********' }] } },
};
