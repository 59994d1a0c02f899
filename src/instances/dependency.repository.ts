import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { READER_CONNECTION } from '../database/database.options';
import { NamedSql } from '../database/named-sql';
import { PluginInstanceDependencyEntity } from './plugin-instance.entity';

/** An upstream's success counts toward each of its dependents' next run: one statement, run after every successful run. */
const MARK_UPSTREAM_SUCCEEDED = new NamedSql(`UPDATE plugin_instance_dependencies
  SET satisfied_by = :executionId, satisfied_at = CAST(:at AS DOUBLE PRECISION) WHERE upstream_id = :upstreamId`);

/** An upstream's dependents: read after every successful run, so a fixed statement (prepared once) rather than a find. */
const DEPENDENTS_OF = new NamedSql(`SELECT dependent_id FROM plugin_instance_dependencies WHERE upstream_id = :upstreamId ORDER BY dependent_id`);

/** An edge as the graph sees it: from the upstream to the dependent. */
export interface DependencyEdge {
  upstream_id: string;
  dependent_id: string;
  satisfied_by: string | null;
}

/**
 * The one place that reads and writes `plugin_instance_dependencies`, the edges of `depends_on` and the
 * state of each join. Writes take the caller's transaction manager.
 */
@Injectable()
export class DependencyRepository {
  constructor(
    @InjectRepository(PluginInstanceDependencyEntity) private readonly edges: Repository<PluginInstanceDependencyEntity>,
    @InjectRepository(PluginInstanceDependencyEntity, READER_CONNECTION) private readonly committed: Repository<PluginInstanceDependencyEntity>,
  ) {}

  /** Every edge, as the caller's transaction sees it (cycle checks look at the whole graph). */
  all(manager: EntityManager): Promise<DependencyEdge[]> {
    return manager.find(PluginInstanceDependencyEntity, { select: { upstream_id: true, dependent_id: true, satisfied_by: true } });
  }

  /** Every committed edge (GET /api/plugins/graph), in a stable order. */
  allCommitted(): Promise<DependencyEdge[]> {
    return this.committed.find({ select: { upstream_id: true, dependent_id: true, satisfied_by: true }, order: { dependent_id: 'ASC', position: 'ASC' } });
  }

  /**
   * Makes the dependent's edges the given upstreams, in order: edges it keeps keep their join state (an
   * upstream success already counted stays counted), new ones start unsatisfied, dropped ones go.
   */
  async replace(manager: EntityManager, dependentId: string, upstreamIds: string[]): Promise<void> {
    const existing = await manager.find(PluginInstanceDependencyEntity, { where: { dependent_id: dependentId } });
    const kept = new Map(existing.map((edge) => [edge.upstream_id, edge]));
    const dropped = existing.filter((edge) => !upstreamIds.includes(edge.upstream_id)).map((edge) => edge.upstream_id);
    if (dropped.length > 0) await manager.delete(PluginInstanceDependencyEntity, { dependent_id: dependentId, upstream_id: In(dropped) });
    const rows = upstreamIds.map((upstreamId, position) =>
      Object.assign(new PluginInstanceDependencyEntity(), { dependent_id: dependentId, upstream_id: upstreamId, position, satisfied_by: kept.get(upstreamId)?.satisfied_by ?? null, satisfied_at: kept.get(upstreamId)?.satisfied_at ?? null }),
    );
    if (rows.length > 0) await manager.save(PluginInstanceDependencyEntity, rows);
  }

  /** The dependents of an upstream (in the caller's transaction). */
  async dependentsOf(manager: EntityManager, upstreamId: string): Promise<string[]> {
    const rows = await DEPENDENTS_OF.rows<{ dependent_id: string }>(manager, { upstreamId });
    return rows.map((row) => row.dependent_id);
  }

  /** A dependent's edges, in its `depends_on` order (in the caller's transaction). */
  upstreamsOf(manager: EntityManager, dependentId: string): Promise<PluginInstanceDependencyEntity[]> {
    return manager.find(PluginInstanceDependencyEntity, { where: { dependent_id: dependentId }, order: { position: 'ASC' } });
  }

  /** Counts an upstream's success on each of its edges; the number of edges it marked (0: nobody depends on it). */
  markUpstreamSucceeded(manager: EntityManager, upstreamId: string, executionId: string, at: number): Promise<number> {
    return MARK_UPSTREAM_SUCCEEDED.execute(manager, { upstreamId, executionId, at });
  }

  /** A dependent's run started from its upstreams: the next run waits for each of them to succeed again. */
  async consume(manager: EntityManager, dependentId: string): Promise<void> {
    await manager.update(PluginInstanceDependencyEntity, { dependent_id: dependentId }, { satisfied_by: null, satisfied_at: null });
  }

  /** Dependents whose every upstream has succeeded since their last upstream-triggered run (their run is owed). */
  async completeJoins(): Promise<string[]> {
    const rows: { dependent_id: string }[] = await this.edges
      .createQueryBuilder('d')
      .select('d.dependent_id', 'dependent_id')
      .groupBy('d.dependent_id')
      .having('COUNT(d.satisfied_by) = COUNT(*)')
      .orderBy('d.dependent_id')
      .getRawMany();
    return rows.map((row) => row.dependent_id);
  }
}
