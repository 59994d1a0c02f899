import { DeclaredInstance, ProvisioningFile } from './file-format';
import { planProvisioning } from './provisioning-plan';

const instance = (file: string, index: number, name: string, dependsOn: string[] = []): DeclaredInstance => ({
  file,
  path: `/instances/${index}`,
  name,
  template_id: 'fixture_function',
  config: {},
  enabled: true,
  execution_policy: null,
  schedule: null,
  depends_on: dependsOn,
});

const file = (name: string, names: [string, string[]?][], deletes: string[] = []): ProvisioningFile => ({
  file: name,
  instances: names.map(([instanceName, dependsOn], index) => instance(name, index, instanceName, dependsOn)),
  deletes: deletes.map((deleted, index) => ({ file: name, path: `/delete_instances/${index}`, name: deleted })),
});

describe('planProvisioning', () => {
  it('orders each instance after the declared instances it depends on, across files, else in file order', () => {
    const plan = planProvisioning([file('a.yaml', [['Summary', ['Equipment', 'pis', 'Existing elsewhere']], ['Export', ['Summary']]]), file('b.yaml', [['Equipment'], ['PIs']])]);
    expect(plan.problems.size).toBe(0);
    expect(plan.order.map((entry) => entry.name)).toEqual(['Equipment', 'PIs', 'Summary', 'Export']);
  });

  it('finds a name declared twice, compared as names are, on the later entry', () => {
    const plan = planProvisioning([file('a.yaml', [['Equipment']]), file('b.yaml', [['Other'], [' equipment ']])]);
    expect(Object.fromEntries(plan.problems)).toEqual({ 'b.yaml': { message: "' equipment ' is declared twice: also in a.yaml at /instances/0", path: '/instances/1/name' } });
  });

  it('refuses declaring and deleting one name, and depending on a deleted one', () => {
    const plan = planProvisioning([file('a.yaml', [['Equipment'], ['Summary', ['Old']]], ['EQUIPMENT', 'Old'])]);
    expect(plan.problems.get('a.yaml')).toEqual({ message: "'EQUIPMENT' is declared at /instances/0, so it cannot be deleted too", path: '/delete_instances/0/name' });
    expect(planProvisioning([file('a.yaml', [['Summary', ['Old']]]), file('b.yaml', [], ['old'])]).problems.get('a.yaml')).toEqual({
      message: "'Old' is deleted by delete_instances in b.yaml at /delete_instances/0",
      path: '/instances/0/depends_on/0',
    });
  });

  it('finds a cycle among declared instances, and one on itself', () => {
    const plan = planProvisioning([file('a.yaml', [['A', ['B']], ['B', ['C']]]), file('c.yaml', [['C', ['x', 'A']]])]);
    expect(Object.fromEntries(plan.problems)).toEqual({ 'c.yaml': { message: "depends_on makes a cycle: 'A' depends on 'B' depends on 'C' depends on 'A'", path: '/instances/0/depends_on/1' } });
    expect(planProvisioning([file('a.yaml', [['A', ['a']]])]).problems.get('a.yaml')).toEqual({ message: "depends_on makes a cycle: 'A' depends on 'A'", path: '/instances/0/depends_on/0' });
  });

  it('keeps each name deleted once', () => {
    expect(planProvisioning([file('a.yaml', [], ['Old', 'old']), file('b.yaml', [], ['OLD'])]).deletes.map((entry) => [entry.file, entry.path])).toEqual([['a.yaml', '/delete_instances/0']]);
  });
});
