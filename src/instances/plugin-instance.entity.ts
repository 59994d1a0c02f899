import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { booleanInteger, jsonText, realNumber } from '../database/json.transformer';
import type { ConfigError } from './config-error';
import type { Schedule, ScheduleState } from './schedule';

export const INSTANCE_STATUSES = ['pending', 'active', 'error', 'inactive'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** `plugin_instances`: the seed's columns and types exactly, plus `version` and `name_key`. */
@Entity({ name: 'plugin_instances' })
@Index('idx_plugin_instances_created', ['created_at', 'id'])
@Index('idx_plugin_instances_template_created', ['template_id', 'created_at', 'id'])
@Index('idx_plugin_instances_status', ['status', 'created_at', 'id'])
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

  /** Overrides of the run policy (timeout, retries); null fields inherit the defaults. */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  execution_policy: Partial<ExecutionPolicy> | null;

  /** Bumped on every write to the row; the ETag and the optimistic-concurrency check. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  /** The API key that created it; null when no key was used. */
  @Column({ type: 'text', nullable: true })
  created_by: string | null;

  /** When it runs by itself; null: only when asked. */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  schedule: Schedule | null;

  /** What the scheduler did with its slots; null until it did anything. */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  schedule_state: ScheduleState | null;

  /** The next slot (epoch seconds); null when there is no schedule or it or the instance is disabled. */
  @Index('idx_plugin_instances_next_run')
  @Column({ type: 'real', nullable: true, transformer: realNumber })
  next_run_at: number | null;

  /** The instances whose success starts it (ids, in the order given); null or empty: none. */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  depends_on: string[] | null;

  /** The version of its template the config was saved under (create, update of the config, rollback, migration). */
  @Column({ type: 'text', default: '1.0.0' })
  template_version: string;

  /** Why the config cannot be brought to the loaded template's version (the instance then refuses to run); null: fine. */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  config_error: ConfigError | null;

  /** The provisioning file (relative to PROVISIONING_PATH) that declares it, which makes it read-only through the API; null: managed through the API. */
  @Column({ type: 'text', nullable: true })
  provisioned_from: string | null;

  /** Final run outcomes that failed in a row (failed, timed out, interrupted); a success resets it, a cancel leaves it. */
  @Column({ type: 'integer', default: 0 })
  consecutive_failures: number;
}

/**
 * `plugin_instance_dependencies`: one row per upstream of a dependent (the edges of `depends_on`), and the
 * join's state: the upstream's latest success since the dependent's last upstream-triggered run.
 */
@Entity({ name: 'plugin_instance_dependencies' })
@Index('idx_plugin_instance_dependencies_upstream', ['upstream_id'])
export class PluginInstanceDependencyEntity {
  @PrimaryColumn({ type: 'text' })
  dependent_id: string;

  @PrimaryColumn({ type: 'text' })
  upstream_id: string;

  /** Its place in the dependent's `depends_on`. */
  @Column({ type: 'integer' })
  position: number;

  /** The upstream's successful run that counts toward the dependent's next run; null: none yet. */
  @Column({ type: 'text', nullable: true })
  satisfied_by: string | null;

  @Column({ type: 'real', nullable: true, transformer: realNumber })
  satisfied_at: number | null;
}

/** How an instance's runs are bounded and retried. */
export interface ExecutionPolicy {
  /** Run timeout in ms; null: the template's default (or none). */
  timeout_ms: number | null;
  /** Attempts in all, 1 = no retries. */
  max_attempts: number;
  /** Delay before the first retry; doubles with each further attempt, with jitter. */
  backoff_ms: number;
  /** Disable the instance after this many consecutive failed runs; null: never. */
  disable_after_failures: number | null;
}

export const DEFAULT_EXECUTION_POLICY: ExecutionPolicy = { timeout_ms: null, max_attempts: 1, backoff_ms: 1000, disable_after_failures: null };

export const executionPolicyOf = (instance: Pick<PluginInstanceEntity, 'execution_policy'>): ExecutionPolicy => ({
  ...DEFAULT_EXECUTION_POLICY,
  ...Object.fromEntries(Object.entries(instance.execution_policy ?? {}).filter(([, value]) => value !== undefined)),
});

/**
 * The status an instance shows: error while its config cannot be migrated (it cannot run, enabled or not),
 * inactive when disabled, else what its last run implies.
 */
export function impliedStatus(instance: Pick<PluginInstanceEntity, 'enabled' | 'last_run' | 'last_result'> & { config_error?: ConfigError | null }): InstanceStatus {
  if (instance.config_error) return 'error';
  if (!instance.enabled) return 'inactive';
  if (instance.last_run === null) return 'pending';
  return instance.last_result?.status === 'error' ? 'error' : 'active';
}

/** Names compare trimmed, Unicode-normalised and case-folded. */
export const nameKeyOf = (name: string): string => name.trim().normalize('NFKC').toLowerCase();
