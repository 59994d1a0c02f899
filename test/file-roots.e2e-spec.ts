import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectProblem, TestApp } from './helpers/test-app';

const INSTANCES = '/api/plugins/instances';

/**
 * File plugins stay inside their roots: table_loader and file_importer read under DATA_DIR and
 * IMPORT_ROOTS, exporter writes under EXPORT_ROOT. Each escape is tried at create time (400) and, for
 * links planted after the instance was created, at run time (the run fails, nothing read or written).
 */
describe('file plugins confined to their roots (e2e)', () => {
  let app: TestApp;
  let importRoot: string;
  let outside: string;
  let exportRoot: string;
  let count = 0;

  beforeAll(async () => {
    const tmp = fs.realpathSync(os.tmpdir());
    importRoot = fs.mkdtempSync(path.join(tmp, 'pif-import-root-'));
    outside = fs.mkdtempSync(path.join(tmp, 'pif-outside-'));
    const dataDir = fs.mkdtempSync(path.join(tmp, 'pif-roots-'));
    exportRoot = path.join(dataDir, 'exports');
    app = await TestApp.start({ dataDir, env: { IMPORT_ROOTS: importRoot } });
    fs.mkdirSync(path.join(dataDir, 'in'), { recursive: true });
    fs.mkdirSync(exportRoot, { recursive: true });
    fs.writeFileSync(path.join(outside, 'secret.csv'), 'secret\nhunter2\n');
    fs.writeFileSync(path.join(outside, 'secret.json'), '[{"secret": "hunter2"}]');
    fs.mkdirSync(path.join(outside, 'dir'));
    fs.writeFileSync(path.join(outside, 'dir', 'secret.csv'), 'secret\nhunter2\n');
    fs.writeFileSync(path.join(outside, 'dir', 'secret.json'), '[{"secret": "hunter2"}]');
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
    fs.rmSync(importRoot, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const create = (template_id: string, config: Record<string, unknown>) => app.post(INSTANCES, { template_id, name: `roots ${++count}`, config });
  async function execute(id: string) {
    const response = await app.post(`${INSTANCES}/${id}/execute`);
    expect(response.status).toBe(200);
    return response.body as { status: string; error: { message: string } | null; result: Record<string, unknown> | null };
  }
  const tableExists = async (name: string) => (await app.get(`/api/data/tables/${name}/rows`)).status === 200;

  describe.each([
    ['table_loader', 'csv', 'secret\nhunter2\n'],
    ['file_importer', 'json', '[{"secret": "hunter2"}]'],
  ])('%s', (template, ext, content) => {
    const dataDir = () => app.dataDir;

    it('refuses .., absolute paths outside the roots, and symlinked files and folders that escape (400)', async () => {
      fs.symlinkSync(path.join(outside, `secret.${ext}`), path.join(dataDir(), 'in', `link-${template}.${ext}`));
      fs.symlinkSync(path.join(outside, 'dir'), path.join(dataDir(), 'in', `linkdir-${template}`));
      const cases: [string, RegExp][] = [
        [`../secret.${ext}`, /'\.\.' is not allowed/],
        [`in/../../secret.${ext}`, /'\.\.' is not allowed/],
        [`${dataDir()}/in/../../x.${ext}`, /'\.\.' is not allowed/],
        [path.join(outside, `secret.${ext}`), /outside the allowed roots .*IMPORT_ROOTS/],
        [`/etc/passwd.${ext}`, /outside the allowed roots/],
        [`in/link-${template}.${ext}`, /through a symbolic link/],
        [`in/linkdir-${template}/secret.${ext}`, /through a symbolic link/],
      ];
      for (const [file_path, message] of cases) {
        const response = await create(template, { file_path, table_name: 'escaped' });
        expectProblem(response, 400, 'config-invalid');
        expect(response.body.errors).toEqual([{ path: '/config/file_path', message: expect.stringMatching(message) }]);
      }
      expect(await tableExists('escaped')).toBe(false);
    });

    it('accepts absolute paths inside DATA_DIR and inside IMPORT_ROOTS', async () => {
      for (const [index, file] of [path.join(dataDir(), 'in', `inside.${ext}`), path.join(importRoot, `shared-${template}.${ext}`)].entries()) {
        fs.writeFileSync(file, content);
        const created = await create(template, { file_path: file, table_name: `inside_${template}_${index}` });
        expect(created.status).toBe(201);
        expect((await execute(created.body.id)).status).toBe('succeeded');
      }
    });

    it('refuses at run time a file or a folder replaced by an escaping symlink after the instance was created', async () => {
      const folder = path.join(dataDir(), `late-${template}`);
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, `data.${ext}`), content);
      const byFile = await create(template, { file_path: `late-${template}/data.${ext}`, table_name: `late_file_${template}` });
      const byFolder = await create(template, { file_path: `late-${template}/data.${ext}`, table_name: `late_dir_${template}` });
      expect([byFile.status, byFolder.status]).toEqual([201, 201]);

      fs.rmSync(path.join(folder, `data.${ext}`));
      fs.symlinkSync(path.join(outside, `secret.${ext}`), path.join(folder, `data.${ext}`));
      const fileRun = await execute(byFile.body.id);
      expect(fileRun.status).toBe('failed');
      expect(fileRun.error?.message).toMatch(/through a symbolic link/);

      fs.rmSync(folder, { recursive: true });
      fs.symlinkSync(path.join(outside, 'dir'), folder);
      fs.renameSync(path.join(outside, 'dir', `secret.${ext}`), path.join(outside, 'dir', `data.${ext}`));
      try {
        const folderRun = await execute(byFolder.body.id);
        expect(folderRun.status).toBe('failed');
        expect(folderRun.error?.message).toMatch(/through a symbolic link/);
      } finally {
        fs.renameSync(path.join(outside, 'dir', `data.${ext}`), path.join(outside, 'dir', `secret.${ext}`));
      }
      expect(await tableExists(`late_file_${template}`)).toBe(false);
      expect(await tableExists(`late_dir_${template}`)).toBe(false);
    });
  });

  describe('exporter', () => {
    const source = { query: 'SELECT 1 AS a' };
    const outsideFiles = () => fs.readdirSync(outside).sort();

    it('keeps output under EXPORT_ROOT: .., absolute paths elsewhere (DATA_DIR included) and escaping symlinks are refused (400)', async () => {
      const before = outsideFiles();
      fs.symlinkSync(outside, path.join(exportRoot, 'escape-dir'));
      fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(exportRoot, 'escape-file.csv'));
      fs.symlinkSync(path.join(outside, 'not-yet.csv'), path.join(exportRoot, 'dangling.csv'));
      const cases: [string, RegExp][] = [
        ['../x.csv', /'\.\.' is not allowed/],
        ['a/../../x.csv', /'\.\.' is not allowed/],
        [path.join(outside, 'x.csv'), /outside the allowed roots .*EXPORT_ROOT/],
        [path.join(app.dataDir, 'x.csv'), /outside the allowed roots/],
        ['escape-dir/x.csv', /through a symbolic link/],
        ['escape-dir/new/deeper/x.csv', /through a symbolic link/],
        ['escape-file.csv', /through a symbolic link/],
        ['dangling.csv', /through a symbolic link/], // a link to a file that does not exist yet
      ];
      for (const [file_path, message] of cases) {
        const response = await create('exporter', { source, file_path });
        expectProblem(response, 400, 'config-invalid');
        expect(response.body.errors).toEqual([{ path: '/config/file_path', message: expect.stringMatching(message) }]);
      }
      const inside = await create('exporter', { source, file_path: path.join(exportRoot, 'absolute.csv') });
      expect(inside.status).toBe(201);
      expect((await execute(inside.body.id)).status).toBe('succeeded');
      expect(fs.readFileSync(path.join(exportRoot, 'absolute.csv'), 'utf8')).toBe('a\n1\n');
      expect(outsideFiles()).toEqual(before);
      expect(fs.readFileSync(path.join(outside, 'secret.csv'), 'utf8')).toBe('secret\nhunter2\n');
    });

    it('refuses at run time a folder or file replaced by an escaping symlink after the instance was created, writing nothing outside', async () => {
      const before = outsideFiles();
      const folder = path.join(exportRoot, 'late');
      fs.mkdirSync(folder);
      const byFolder = await create('exporter', { source, file_path: 'late/out.csv' });
      const byFile = await create('exporter', { source, file_path: 'late-file.csv' });
      expect([byFolder.status, byFile.status]).toEqual([201, 201]);

      fs.rmdirSync(folder);
      fs.symlinkSync(outside, folder);
      const folderRun = await execute(byFolder.body.id);
      expect(folderRun.status).toBe('failed');
      expect(folderRun.error?.message).toMatch(/through a symbolic link/);

      fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(exportRoot, 'late-file.csv'));
      const fileRun = await execute(byFile.body.id);
      expect(fileRun.status).toBe('failed');
      expect(fileRun.error?.message).toMatch(/through a symbolic link/);

      expect(outsideFiles()).toEqual(before);
      expect(fs.readFileSync(path.join(outside, 'secret.csv'), 'utf8')).toBe('secret\nhunter2\n');
    });
  });
});
