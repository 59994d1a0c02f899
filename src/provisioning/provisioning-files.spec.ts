import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_FILE_BYTES, readProvisioningFiles } from './provisioning-files';

describe('readProvisioningFiles', () => {
  let folder: string;
  beforeEach(() => (folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-provisioning-'))));
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));
  const write = (name: string, text: string) => fs.writeFileSync(path.join(folder, name), text);
  const read = () => readProvisioningFiles(folder, { SHARE: 'imports' });

  it('reads *.yaml, *.yml and *.json by name, skipping other files, dot files and folders', async () => {
    write('b.yml', 'instances:\n  - {name: B, template_id: t, config: {file: "${SHARE}/b.csv"}}\n');
    write('a.json', '{"delete_instances": [{"name": "Old"}]}');
    write('c.YAML', 'instances: []');
    write('README.md', '# not read');
    write('.hidden.yaml', 'not: [valid');
    write('lab.yaml.bak', 'not: [valid');
    fs.mkdirSync(path.join(folder, '..data'));
    const readings = await read();
    expect(readings.map((reading) => reading.file)).toEqual(['a.json', 'b.yml', 'c.YAML']);
    expect(readings.every((reading) => reading.problem === undefined)).toBe(true);
    expect(readings[1].declared!.instances[0]).toMatchObject({ file: 'b.yml', path: '/instances/0', name: 'B', config: { file: 'imports/b.csv' }, enabled: true, schedule: null, depends_on: [] });
    expect(readings[0].declared!.deletes).toEqual([{ file: 'a.json', path: '/delete_instances/0', name: 'Old' }]);
  });

  it('reports a syntax error by line and column without quoting the file', async () => {
    write('lab.yaml', 'instances:\n  - name: x\n    config: {token: hunter2-secret\n');
    write('dup.yaml', 'instances: []\ninstances: []\n');
    write('two.yaml', 'instances: []\n---\ninstances: []\n');
    const problems = Object.fromEntries((await read()).map((reading) => [reading.file, reading.problem]));
    expect(problems['lab.yaml']!.message).toMatch(/^not valid YAML or JSON: .* at line \d+, column \d+$/);
    expect(problems['lab.yaml']!.message).not.toContain('hunter2');
    expect(problems['dup.yaml']!.message).toMatch(/keys must be unique/);
    expect(problems['two.yaml']!.message).toMatch(/multiple documents/);
  });

  it('refuses an empty file, a file that is not a mapping, reserved keys, aliases without end and a file too large', async () => {
    write('empty.yaml', '# nothing yet\n');
    write('list.yaml', '- a\n');
    write('proto.json', '{"instances": [{"name": "x", "template_id": "t", "config": {"__proto__": {"admin": true}}}]}');
    write('laughs.yaml', `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 120 }, (_, i) => `k${i}: [*a, *a]`).join('\n')}\n`);
    write('big.yaml', `instances: []\n#${'x'.repeat(MAX_FILE_BYTES)}\n`);
    const problems = Object.fromEntries((await read()).map((reading) => [reading.file, reading.problem]));
    expect(problems['empty.yaml']).toEqual({ message: 'the file is empty: declare `instances` and/or `delete_instances`' });
    expect(problems['list.yaml']).toEqual({ message: 'the file must hold a mapping with `instances` and/or `delete_instances`', path: '' });
    expect(problems['proto.json']).toEqual({ message: "'__proto__' is a reserved key and cannot be used", path: '/instances/0/config/__proto__' });
    expect(problems['laughs.yaml']!.message).toMatch(/^not valid YAML or JSON: .*alias/i);
    expect(problems['big.yaml']!.message).toMatch(/more than the 1048576 a provisioning file may have/);
  });

  it('throws when the folder cannot be listed', async () => {
    await expect(readProvisioningFiles(path.join(folder, 'gone'), {})).rejects.toThrow(/ENOENT/);
  });
});
