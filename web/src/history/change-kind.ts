import type { components } from '../../../openapi/client';

type ChangeKind = components['schemas']['ChangeKind'];

/** How each kind of change reads in the version list, and what it means (docs/history.md#versions). */
export const CHANGE_KINDS: Record<ChangeKind, { label: string; meaning: string }> = {
  create: { label: 'Created', meaning: 'the instance was created' },
  update: { label: 'Edited', meaning: 'saved through the console or the API' },
  rollback: { label: 'Rolled back', meaning: 'the content of an earlier version, restored as a new version' },
  migration: { label: 'Migrated', meaning: 'the template’s config migration at boot brought the config up to date' },
  provisioning: { label: 'Provisioned', meaning: 'written from a provisioning file' },
  baseline: { label: 'Baseline', meaning: 'the definition when history began' },
  auto_disable: { label: 'Auto-disabled', meaning: 'disabled after too many failed runs in a row' },
};

export const changeKindLabel = (kind: string): string => CHANGE_KINDS[kind as ChangeKind]?.label ?? kind;
export const changeKindMeaning = (kind: string): string | undefined => CHANGE_KINDS[kind as ChangeKind]?.meaning;

/**
 * What the version list says of a version: its kind, and for a rollback the version it restored ("Rolled back to
 * v3", from `restored_from`; rollbacks recorded before servers wrote that down read just "Rolled back").
 */
export function versionChangeLabel(version: { change_kind: string; restored_from?: number | null }): string {
  if (version.change_kind === 'rollback' && typeof version.restored_from === 'number') return `Rolled back to v${version.restored_from}`;
  return changeKindLabel(version.change_kind);
}
