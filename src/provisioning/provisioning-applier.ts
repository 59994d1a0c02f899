import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-errors';
import { TransactionService } from '../database/transaction.service';
import { nameKeyOf, PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { ProvisionedInstancesService } from '../instances/provisioned-instances.service';
import { DeclaredInstance, DeletedInstance } from './file-format';
import { FileProblem, ProvisioningFileError } from './file-problem';
import { ProvisioningPlan } from './provisioning-plan';
import { InstanceOutcome, ProvisioningReport } from './provisioning-report';

/** Provisioning applies one set at a time, across processes too (an advisory lock on PostgreSQL). */
const PROVISIONING_LOCK = 'provisioning';

/** A problem found while applying, on the file whose entry caused it: the whole set is rolled back. */
export class EntryFailure extends Error {
  constructor(
    readonly file: string,
    readonly problem: FileProblem,
  ) {
    super(`${file}: ${problem.path ?? ''} ${problem.message}`);
    this.name = 'EntryFailure';
  }
}

export interface AppliedSet {
  /** What happened to each entry, by file and entry path (`/instances/N`, `/delete_instances/N`). */
  outcomes: Map<string, InstanceOutcome>;
  released: ProvisioningReport['released'];
}

export const outcomeKey = (file: string, path: string) => `${file}\u0000${path}`;

/** Where in an entry a domain error points, when it carries no field errors of its own. */
const POINTS_AT: Partial<Record<DomainError['type'], string>> = { 'dependency-cycle': '/depends_on', 'template-unavailable': '/template_id', 'unknown-template': '/template_id' };

/** A domain error from InstancesService as a problem of the entry that caused it. */
function problemOf(entry: DeclaredInstance | DeletedInstance, error: unknown): FileProblem | null {
  if (error instanceof ProvisioningFileError) return error.problem;
  if (!(error instanceof DomainError)) return null;
  const fields = error.options.errors ?? [];
  const message = fields.length > 0 ? `${error.message}: ${fields.map((field) => `${field.path} ${field.message}`).join('; ')}` : error.message;
  return { message, path: `${entry.path}${fields[0]?.path ?? POINTS_AT[error.type] ?? ''}` };
}

/**
 * Applies a checked plan in ONE transaction: creates and updates the declared instances in dependency order
 * (depends_on names resolved to ids, from this set or from instances that exist), then deletes what
 * delete_instances names (dependents first), then releases instances whose file no longer declares them.
 * The first failure rolls everything back and is thrown as an EntryFailure naming the file and entry.
 */
@Injectable()
export class ProvisioningApplier {
  constructor(
    private readonly provisioned: ProvisionedInstancesService,
    private readonly transactions: TransactionService,
  ) {}

  apply(plan: ProvisioningPlan): Promise<AppliedSet> {
    return this.transactions.run(async (manager) => {
      await this.transactions.lock(manager, PROVISIONING_LOCK);
      const outcomes = new Map<string, InstanceOutcome>();
      const declaredIds = new Map<string, string>();
      for (const declared of plan.order) {
        const outcome = await this.step(declared, () => this.declare(manager, declared, declaredIds));
        declaredIds.set(nameKeyOf(declared.name), outcome.id!);
        outcomes.set(outcomeKey(declared.file, declared.path), outcome);
      }
      await this.deleteAll(manager, plan.deletes, outcomes);
      const released: AppliedSet['released'] = [];
      const kept = new Set(declaredIds.values());
      for (const instance of await this.provisioned.findProvisioned(manager)) {
        if (kept.has(instance.id)) continue;
        await this.provisioned.release(manager, instance.id);
        released.push({ id: instance.id, name: instance.name, file: instance.provisioned_from! });
      }
      return { outcomes, released };
    });
  }

  private async declare(manager: EntityManager, declared: DeclaredInstance, declaredIds: Map<string, string>): Promise<InstanceOutcome> {
    const existing = await this.provisioned.findByName(manager, declared.name);
    if (existing && existing.template_id !== declared.template_id) {
      throw new ProvisioningFileError({
        message: `'${existing.name}' exists as an instance of '${existing.template_id}', and an instance's template cannot change: delete it (delete_instances) and declare it again in a later reload, or choose another name`,
        path: `${declared.path}/template_id`,
      });
    }
    const dependsOn: string[] = [];
    for (const [index, name] of declared.depends_on.entries()) {
      const id = declaredIds.get(nameKeyOf(name)) ?? (await this.provisioned.findByName(manager, name))?.id;
      if (!id) throw new ProvisioningFileError({ message: `no instance is named '${name}', in these files or already`, path: `${declared.path}/depends_on/${index}` });
      if (!dependsOn.includes(id)) dependsOn.push(id);
    }
    const { name, template_id, config, enabled, execution_policy, schedule } = declared;
    const { instance, outcome } = await this.provisioned.declare(manager, existing, { name, template_id, config, enabled, execution_policy, schedule, depends_on: dependsOn }, declared.file);
    return { name: instance.name, id: instance.id, action: outcome };
  }

  /** Deletes the named instances that exist, each once no other instance being deleted depends on it. */
  private async deleteAll(manager: EntityManager, deletes: DeletedInstance[], outcomes: Map<string, InstanceOutcome>): Promise<void> {
    const targets: { entry: DeletedInstance; instance: PluginInstanceEntity }[] = [];
    for (const entry of deletes) {
      const instance = await this.provisioned.findByName(manager, entry.name);
      if (instance) targets.push({ entry, instance });
      else outcomes.set(outcomeKey(entry.file, entry.path), { name: entry.name, id: null, action: 'absent' });
    }
    while (targets.length > 0) {
      const next = targets.find((target) => !targets.some((other) => other !== target && (other.instance.depends_on ?? []).includes(target.instance.id))) ?? targets[0];
      targets.splice(targets.indexOf(next), 1);
      await this.step(next.entry, () => this.provisioned.remove(manager, next.instance.id, next.entry.file));
      outcomes.set(outcomeKey(next.entry.file, next.entry.path), { name: next.instance.name, id: next.instance.id, action: 'deleted' });
    }
  }

  /** Runs one entry's writes; a failure becomes the entry's problem (anything unexpected is thrown as it is). */
  private async step<T>(entry: DeclaredInstance | DeletedInstance, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const problem = problemOf(entry, error);
      throw problem ? new EntryFailure(entry.file, problem) : error;
    }
  }
}
