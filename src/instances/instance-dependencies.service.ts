import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConflictError, NotFoundError, ValidationFailedError } from '../common/domain-errors';
import { TransactionService } from '../database/transaction.service';
import { cycleThrough } from './dependency-graph';
import { DependencyRepository } from './dependency.repository';
import { InstanceRepository, InstanceSummary } from './instance.repository';
import { PluginInstanceEntity } from './plugin-instance.entity';

/** Upstreams an instance may list. */
export const MAX_DEPENDS_ON = 20;

/** Changes to the graph (edges, and deleting an instance an edge may name) take this lock on PostgreSQL; SQLite writes one at a time anyway. */
const GRAPH_LOCK = 'instance-dependencies';
/** A dependent's join (its edges' state and its upstream-triggered run) is decided under this lock. */
const joinLock = (dependentId: string) => `instance-join:${dependentId}`;

/** A dependent whose every upstream has succeeded since its last upstream-triggered run. */
export interface ReadyDependent {
  instance: PluginInstanceEntity;
  /** The upstream runs that completed the join, in `depends_on` order. */
  executionIds: string[];
}

export interface DependencyGraph {
  nodes: InstanceSummary[];
  edges: { from: string; to: string; satisfied_by: string | null }[];
}

/**
 * Dependencies between instances (`depends_on`): checked when written (unknown ids, cycles), guarding
 * deletes, and the join each dependent waits on. Upstream success and the run it starts are the engine's;
 * this service answers which dependents are ready and forgets a join once its run is in.
 */
@Injectable()
export class InstanceDependenciesService {
  constructor(
    private readonly dependencies: DependencyRepository,
    private readonly instances: InstanceRepository,
    private readonly transactions: TransactionService,
  ) {}

  /**
   * The list to store for `dependentId` (duplicates dropped, order kept), checked in the writing transaction:
   * every id must name an instance (400 at `/depends_on/N`), and the graph must stay free of cycles (409
   * naming the loop). Call before writing the instance; `save` writes the edges after it.
   */
  async checked(manager: EntityManager, dependentId: string, dependsOn: string[]): Promise<string[]> {
    await this.transactions.lock(manager, GRAPH_LOCK);
    await this.transactions.lock(manager, joinLock(dependentId));
    const list = [...new Set(dependsOn)];
    if (list.length === 0) return list;
    const known = new Set((await this.instances.summariesOf(list, manager)).map((summary) => summary.id));
    const unknown = dependsOn.flatMap((id, index) => (known.has(id) || id === dependentId ? [] : [{ path: `/depends_on/${index}`, message: `no instance has the id '${id}'` }]));
    if (unknown.length > 0) throw new ValidationFailedError('depends_on names instances that do not exist', unknown);
    // A loop back to the dependent needs something that depends on it: a new instance, or a leaf, cannot close one
    // (but for naming itself), so the whole graph is read only when it has dependents.
    const hasDependents = (await this.dependencies.dependentsOf(manager, dependentId)).length > 0;
    const cycle = cycleThrough(dependentId, list, hasDependents ? await this.dependencies.all(manager) : []);
    if (cycle) {
      const names = new Map((await this.instances.summariesOf(cycle, manager)).map((summary) => [summary.id, summary.name]));
      const loop = cycle.map((id) => ({ id, name: names.get(id) ?? id }));
      throw new ConflictError('dependency-cycle', `depends_on would make a cycle: ${loop.map((node) => `'${node.name}'`).join(' depends on ')}`, { extensions: { cycle: loop } });
    }
    return list;
  }

  /** Writes the dependent's edges (after its row, in the same transaction). */
  save(manager: EntityManager, dependentId: string, dependsOn: string[]): Promise<void> {
    return this.dependencies.replace(manager, dependentId, dependsOn);
  }

  /** Refuses to delete an instance others depend on (409 naming them); holds the graph still until the delete commits. */
  async assertNoDependents(manager: EntityManager, id: string): Promise<void> {
    await this.transactions.lock(manager, GRAPH_LOCK);
    await this.transactions.lock(manager, joinLock(id));
    const dependents = (await this.dependencies.dependentsOf(manager, id)).filter((dependentId) => dependentId !== id);
    if (dependents.length === 0) return;
    const [self] = await this.instances.summariesOf([id], manager);
    const summaries = await this.instances.summariesOf(dependents, manager);
    const names = summaries.map((summary) => `'${summary.name}'`).join(', ');
    const detail = `'${self?.name ?? id}' cannot be deleted while ${names} ${summaries.length === 1 ? 'depends' : 'depend'} on it; remove it from their depends_on first`;
    throw new ConflictError('has-dependents', detail, {
      extensions: { dependents: summaries.map(({ id: dependentId, name }) => ({ id: dependentId, name })) },
    });
  }

  /**
   * Counts an upstream's successful run toward each dependent's join, in the transaction that records the
   * run; answers the dependents it completed. One read when nothing depends on the upstream.
   */
  async upstreamSucceeded(manager: EntityManager, upstreamId: string, executionId: string, at: number): Promise<ReadyDependent[]> {
    const dependents = await this.dependencies.dependentsOf(manager, upstreamId);
    if (dependents.length === 0) return [];
    // Join locks before the edges are written, in one order: two upstreams of one dependent finishing together
    // see each other's success (the later one completes the join) and never wait on each other in a circle.
    for (const dependentId of dependents) await this.transactions.lock(manager, joinLock(dependentId));
    await this.dependencies.markUpstreamSucceeded(manager, upstreamId, executionId, at);
    const ready: ReadyDependent[] = [];
    for (const dependentId of dependents) {
      const dependent = await this.readyUnlocked(manager, dependentId);
      if (dependent) ready.push(dependent);
    }
    return ready;
  }

  /** The dependent, if its join is complete (a run owed since its upstreams succeeded while it could not run). */
  async ready(manager: EntityManager, dependentId: string): Promise<ReadyDependent | null> {
    await this.transactions.lock(manager, joinLock(dependentId));
    return this.readyUnlocked(manager, dependentId);
  }

  /** The dependent's run from its upstreams is in: its next one waits for every upstream to succeed again. */
  consume(manager: EntityManager, dependentId: string): Promise<void> {
    return this.dependencies.consume(manager, dependentId);
  }

  /** Dependents whose join is complete but whose run has not started (it was running, or disabled, then). */
  completeJoins(): Promise<string[]> {
    return this.dependencies.completeJoins();
  }

  /**
   * The dependency graph for drawing: instances that have a dependency or a dependent, and the edges from
   * upstream to dependent; with `instanceId`, only the part connected to that instance (itself included).
   */
  async graph(instanceId?: string): Promise<DependencyGraph> {
    const all = await this.dependencies.allCommitted();
    let edges = all;
    let ids: string[];
    if (instanceId !== undefined) {
      if (!(await this.instances.findCommitted(instanceId))) throw new NotFoundError('instance-not-found', 'instance', instanceId);
      const connected = new Set([instanceId]);
      for (let grown = true; grown; ) {
        grown = false;
        for (const edge of all) {
          if (connected.has(edge.upstream_id) !== connected.has(edge.dependent_id)) {
            connected.add(edge.upstream_id).add(edge.dependent_id);
            grown = true;
          }
        }
      }
      edges = all.filter((edge) => connected.has(edge.dependent_id));
      ids = [...connected];
    } else {
      ids = [...new Set(all.flatMap((edge) => [edge.upstream_id, edge.dependent_id]))];
    }
    const nodes = (await this.instances.summariesOf(ids)).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    return { nodes, edges: edges.map((edge) => ({ from: edge.upstream_id, to: edge.dependent_id, satisfied_by: edge.satisfied_by })) };
  }

  private async readyUnlocked(manager: EntityManager, dependentId: string): Promise<ReadyDependent | null> {
    const edges = await this.dependencies.upstreamsOf(manager, dependentId);
    if (edges.length === 0 || edges.some((edge) => edge.satisfied_by === null)) return null;
    const instance = await this.instances.findInTransaction(manager, dependentId);
    if (!instance) return null;
    return { instance, executionIds: edges.map((edge) => edge.satisfied_by!) };
  }
}
