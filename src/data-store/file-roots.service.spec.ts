import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSettings } from '../config/settings';
import { FileRootsService } from './file-roots.service';

describe('FileRootsService', () => {
  let base: string;
  let roots: FileRootsService;

  beforeAll(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pif-roots-')));
    for (const dir of ['data', 'imports', 'outside', 'exports']) fs.mkdirSync(path.join(base, dir));
    fs.writeFileSync(path.join(base, 'outside', 'secret.csv'), 'x');
    fs.symlinkSync(path.join(base, 'outside'), path.join(base, 'data', 'escape'));
    fs.symlinkSync(path.join(base, 'outside', 'secret.csv'), path.join(base, 'data', 'secret-link.csv'));
    roots = new FileRootsService(loadSettings({ DATA_DIR: path.join(base, 'data'), IMPORT_ROOTS: path.join(base, 'imports'), EXPORT_ROOT: path.join(base, 'exports') }));
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('resolves relative import paths under DATA_DIR, existing or not', () => {
    expect(roots.resolveImportPath('files/a.csv')).toBe(path.join(base, 'data', 'files', 'a.csv'));
    expect(roots.checkImportPath('a.csv')).toBeNull();
  });

  it('allows absolute import paths only under IMPORT_ROOTS or DATA_DIR', () => {
    expect(roots.resolveImportPath(path.join(base, 'imports', 'x.csv'))).toBe(path.join(base, 'imports', 'x.csv'));
    expect(roots.checkImportPath(path.join(base, 'data', 'x.csv'))).toBeNull();
    expect(roots.checkImportPath(path.join(base, 'outside', 'secret.csv'))).toContain('outside the allowed roots');
    expect(roots.checkImportPath('/etc/passwd')).toContain('IMPORT_ROOTS');
  });

  it("refuses '..' and symlinks that lead out", () => {
    expect(roots.checkImportPath('../outside/secret.csv')).toContain("'..'");
    expect(roots.checkImportPath('a/../../b')).toContain("'..'");
    expect(roots.checkImportPath('escape/secret.csv')).toContain('symbolic link');
    expect(roots.checkImportPath('secret-link.csv')).toContain('symbolic link');
    expect(roots.checkImportPath('escape/new/deeper.csv')).toContain('symbolic link');
  });

  it('resolves exports under EXPORT_ROOT only', () => {
    expect(roots.resolveExportPath('out/a.csv')).toBe(path.join(base, 'exports', 'out', 'a.csv'));
    expect(roots.checkExportPath(path.join(base, 'data', 'a.csv'))).toContain('EXPORT_ROOT');
    expect(roots.checkExportPath('')).toContain('empty');
  });
});
