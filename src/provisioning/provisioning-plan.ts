import { nameKeyOf } from '../instances/plugin-instance.entity';
import { DeclaredInstance, DeletedInstance, ProvisioningFile } from './file-format';
import { FileProblem } from './file-problem';

export interface ProvisioningPlan {
  /** Every declared instance, each after the ones it depends on that the files declare too. */
  order: DeclaredInstance[];
  deletes: DeletedInstance[];
  /** The first problem found in each file that has one. */
  problems: Map<string, FileProblem>;
}

const where = (entry: { file: string; path: string }, from: string) => (entry.file === from ? `at ${entry.path}` : `in ${entry.file} at ${entry.path}`);

/**
 * What a set of files asks for, checked across files without the database: a name declared twice (compared as
 * names are), declared and deleted at once, a dependency on an instance the set deletes, or a cycle among the
 * declared instances. Instances are put in an order that applies each after its declared upstreams (file order
 * otherwise), so depends_on can name instances the same set creates.
 */
export function planProvisioning(files: ProvisioningFile[]): ProvisioningPlan {
  const problems = new Map<string, FileProblem>();
  const report = (file: string, problem: FileProblem) => {
    if (!problems.has(file)) problems.set(file, problem);
  };

  const declared = new Map<string, DeclaredInstance>();
  for (const instance of files.flatMap((file) => file.instances)) {
    const first = declared.get(nameKeyOf(instance.name));
    if (first) report(instance.file, { message: `'${instance.name}' is declared twice: also ${where(first, instance.file)}`, path: `${instance.path}/name` });
    else declared.set(nameKeyOf(instance.name), instance);
  }

  const deleted = new Map<string, DeletedInstance>();
  for (const entry of files.flatMap((file) => file.deletes)) {
    const alsoDeclared = declared.get(nameKeyOf(entry.name));
    if (alsoDeclared) report(entry.file, { message: `'${entry.name}' is declared ${where(alsoDeclared, entry.file)}, so it cannot be deleted too`, path: `${entry.path}/name` });
    else if (!deleted.has(nameKeyOf(entry.name))) deleted.set(nameKeyOf(entry.name), entry);
  }

  for (const instance of declared.values()) {
    instance.depends_on.forEach((name, index) => {
      const deletion = deleted.get(nameKeyOf(name));
      if (deletion) report(instance.file, { message: `'${name}' is deleted by delete_instances ${where(deletion, instance.file)}`, path: `${instance.path}/depends_on/${index}` });
    });
  }

  const cycle = firstCycle(declared);
  if (cycle) {
    const loop = cycle.names.map((name) => `'${name}'`).join(' depends on ');
    report(cycle.at.file, { message: `depends_on makes a cycle: ${loop}`, path: `${cycle.at.path}/depends_on/${cycle.index}` });
  }

  return { order: cycle ? [...declared.values()] : dependencyOrder(declared), deletes: [...deleted.values()], problems };
}

/** The declared upstreams of an instance (the others are looked up in the database when the set is applied). */
const upstreamsIn = (declared: Map<string, DeclaredInstance>, instance: DeclaredInstance) =>
  instance.depends_on.map((name, index) => ({ upstream: declared.get(nameKeyOf(name)), index })).filter((edge): edge is { upstream: DeclaredInstance; index: number } => edge.upstream !== undefined);

/** A loop among declared instances, as names from the first back to itself, and the depends_on entry that closes it. */
function firstCycle(declared: Map<string, DeclaredInstance>): { names: string[]; at: DeclaredInstance; index: number } | null {
  const state = new Map<DeclaredInstance, 'visiting' | 'done'>();
  const stack: DeclaredInstance[] = [];
  const visit = (instance: DeclaredInstance): { names: string[]; at: DeclaredInstance; index: number } | null => {
    state.set(instance, 'visiting');
    stack.push(instance);
    for (const { upstream, index } of upstreamsIn(declared, instance)) {
      if (state.get(upstream) === 'visiting') {
        const loop = stack.slice(stack.indexOf(upstream));
        return { names: [...loop, upstream].map((node) => node.name), at: instance, index };
      }
      if (!state.has(upstream)) {
        const found = visit(upstream);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(instance, 'done');
    return null;
  };
  for (const instance of declared.values()) {
    if (state.has(instance)) continue;
    const found = visit(instance);
    if (found) return found;
  }
  return null;
}

/** Declared instances with each after its declared upstreams; otherwise in file order. The graph has no cycle. */
function dependencyOrder(declared: Map<string, DeclaredInstance>): DeclaredInstance[] {
  const order: DeclaredInstance[] = [];
  const placed = new Set<DeclaredInstance>();
  const place = (instance: DeclaredInstance) => {
    if (placed.has(instance)) return;
    placed.add(instance);
    for (const { upstream } of upstreamsIn(declared, instance)) place(upstream);
    order.push(instance);
  };
  for (const instance of declared.values()) place(instance);
  return order;
}
