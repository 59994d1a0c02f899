import { Column, Entity, PrimaryColumn } from 'typeorm';
import { booleanInteger, jsonText, realNumber } from '../database/json.transformer';
import type { ExecutionPolicy } from './plugin-instance.entity';
import type { Schedule } from './schedule';

/**
 * How a version came to be. `baseline`: the definition an instance had when history began (the migration that added
 * it); `auto_disable`: disabled by `execution_policy.disable_after_failures`.
 */
export const CHANGE_KINDS = ['create', 'update', 'rollback', 'migration', 'provisioning', 'baseline', 'auto_disable'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** `plugin_instance_versions`: one row per version of an instance's definition, never rewritten. */
@Entity({ name: 'plugin_instance_versions' })
export class PluginInstanceVersionEntity {
  @PrimaryColumn({ type: 'text' })
  instance_id: string;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  template_id: string;

  /** As stored on the instance: secret fields still sealed. */
  @Column({ type: 'text', transformer: jsonText })
  config: Record<string, unknown>;

  /** The template version `config` was written for: a rollback to it, or a run of it, migrates it from there. */
  @Column({ type: 'text', default: '1.0.0' })
  template_version: string;

  @Column({ type: 'integer', transformer: booleanInteger })
  enabled: boolean;

  @Column({ type: 'text', nullable: true, transformer: jsonText })
  execution_policy: Partial<ExecutionPolicy> | null;

  @Column({ type: 'text', nullable: true, transformer: jsonText })
  schedule: Schedule | null;

  @Column({ type: 'text', nullable: true, transformer: jsonText })
  depends_on: string[] | null;

  @Column({ type: 'real', transformer: realNumber })
  changed_at: number;

  /** The API key's name; `loopback` (no key, from this machine), `anonymous` (AUTH=none) or `system` (migrations, provisioning). */
  @Column({ type: 'text' })
  changed_by: string;

  @Column({ type: 'text' })
  change_kind: ChangeKind;

  /** A rollback's version: the version whose content it restored; null on every other kind (and on rollbacks older than the column). */
  @Column({ type: 'integer', nullable: true })
  restored_from: number | null;
}
