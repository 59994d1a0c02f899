import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { booleanInteger, jsonText, realNumber } from '../database/json.transformer';

export const INSTANCE_STATUSES = ['pending', 'active', 'error', 'inactive'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** `plugin_instances`: the seed's columns and types exactly, plus `version` and `name_key`. */
@Entity({ name: 'plugin_instances' })
@Index('idx_plugin_instances_created', ['created_at', 'id'])
@Index('idx_plugin_instances_template', ['template_id'])
export class PluginInstanceEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** Trimmed, case-folded name: the unique index that makes names unique case-insensitively. */
  @Index('uq_plugin_instances_name_key', { unique: true })
  @Column({ type: 'text' })
  name_key: string;

  @Column({ type: 'text' })
  template_id: string;

  @Column({ type: 'text', transformer: jsonText })
  config: Record<string, unknown>;

  @Column({ type: 'integer', default: 1, transformer: booleanInteger })
  enabled: boolean;

  @Column({ type: 'text', nullable: true })
  status: InstanceStatus;

  @Column({ type: 'real', nullable: true, transformer: realNumber })
  last_run: number | null;

  @Column({ type: 'text', nullable: true, transformer: jsonText })
  last_result: Record<string, unknown> | null;

  @Column({ type: 'real', transformer: realNumber })
  created_at: number;

  @Column({ type: 'real', transformer: realNumber })
  updated_at: number;

  /** Bumped on every write to the row; the ETag and the optimistic-concurrency check. */
  @Column({ type: 'integer', default: 1 })
  version: number;
}

/** Names compare trimmed, Unicode-normalised and case-folded. */
export const nameKeyOf = (name: string): string => name.trim().normalize('NFKC').toLowerCase();
