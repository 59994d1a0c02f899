import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { jsonText, realNumber } from '../database/json.transformer';
import { ExecutionProgress, ExecutionTrigger } from '../sdk/types';

export const EXECUTION_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const UNFINISHED_EXECUTION_STATUSES: ExecutionStatus[] = ['queued', 'running'];

export interface ExecutionError {
  type: string;
  message: string;
  errors?: { path: string; message: string }[];
}

/** `plugin_executions`: one row per run. A partial unique index allows one unfinished run per instance. */
@Entity({ name: 'plugin_executions' })
@Index('idx_plugin_executions_instance', ['instance_id', 'created_at', 'id'])
@Index('uq_plugin_executions_slot', ['instance_id', 'scheduled_for'], { unique: true })
@Index('uq_plugin_executions_one_unfinished', ['instance_id'], { unique: true, where: "status IN ('queued', 'running')" })
export class PluginExecutionEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  instance_id: string;

  @Column({ type: 'text' })
  template_id: string;

  @Column({ type: 'text' })
  status: ExecutionStatus;

  @Column({ type: 'text', transformer: jsonText })
  trigger: ExecutionTrigger;

  /** `trigger.type`, as a column to filter and count by. */
  @Column({ type: 'text', default: 'manual' })
  trigger_type: string;

  @Column({ type: 'integer', default: 1 })
  attempt: number;

  /** The instance version whose config this run used. */
  @Column({ type: 'integer' })
  config_version: number;

  /** Set when the run was asked for a past version (execute?version=N): it, and its retries, run that version's config. */
  @Column({ type: 'integer', nullable: true })
  pinned_version: number | null;

  @Column({ type: 'real', transformer: realNumber })
  created_at: number;

  @Column({ type: 'real', nullable: true, transformer: realNumber })
  started_at: number | null;

  @Column({ type: 'real', nullable: true, transformer: realNumber })
  finished_at: number | null;

  @Column({ type: 'integer', nullable: true })
  duration_ms: number | null;

  @Column({ type: 'text', nullable: true, transformer: jsonText })
  progress: ExecutionProgress | null;

  @Column({ type: 'text', nullable: true, transformer: jsonText })
  result: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true, transformer: jsonText })
  error: ExecutionError | null;

  /** The first attempt of a retry chain; null on a first attempt. */
  @Column({ type: 'text', nullable: true })
  retry_of: string | null;

  @Column({ type: 'text', nullable: true })
  idempotency_key: string | null;

  /** A queued retry waits until then (epoch seconds). */
  @Column({ type: 'real', nullable: true, transformer: realNumber })
  not_before: number | null;

  /** The API key that started the run (retries inherit it); null when no key was used. */
  @Column({ type: 'text', nullable: true })
  triggered_by: string | null;

  /** The schedule slot this run was started for (epoch seconds); unique per instance. Null unless the scheduler started it. */
  @Column({ type: 'real', nullable: true, transformer: realNumber })
  scheduled_for: number | null;
}

/** One line a handler logged through ctx.log. */
@Entity({ name: 'plugin_execution_logs' })
export class PluginExecutionLogEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'text' })
  execution_id: string;

  @Column({ type: 'real', transformer: realNumber })
  at: number;

  @Column({ type: 'text' })
  level: string;

  @Column({ type: 'text' })
  message: string;
}
