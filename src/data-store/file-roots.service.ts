import * as fs from 'node:fs';
import * as path from 'node:path';
import { Injectable } from '@nestjs/common';
import { Settings } from '../config/settings';

export class PathNotAllowedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathNotAllowedError';
  }
}

const lstatExists = (target: string): boolean => {
  try {
    fs.lstatSync(target);
    return true;
  } catch {
    return false;
  }
};

/**
 * The real path of `target`, resolving symlinks in the part of it that exists. A dangling symlink is
 * followed by hand, so what counts is where it points (a file created through it lands there), not
 * where the link sits.
 */
function realPathOf(target: string, links = 0): string {
  if (links > 40) throw new PathNotAllowedError(`too many levels of symbolic links in ${target}`);
  let existing = target;
  const rest: string[] = [];
  while (!lstatExists(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    rest.unshift(path.basename(existing));
    existing = parent;
  }
  let real: string;
  try {
    real = fs.realpathSync(existing);
  } catch {
    let linkTarget: string | null = null;
    try {
      linkTarget = fs.readlinkSync(existing);
    } catch {
      real = existing;
    }
    if (linkTarget !== null) return path.join(realPathOf(path.resolve(path.dirname(existing), linkTarget), links + 1), ...rest);
    real = existing;
  }
  return path.join(real, ...rest);
}

const isWithin = (child: string, root: string): boolean => child === root || child.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * Where file plugins may read and write. Relative import paths resolve under DATA_DIR, relative export
 * paths under EXPORT_ROOT; absolute ones must lie under IMPORT_ROOTS (or DATA_DIR) / EXPORT_ROOT. `..`
 * segments are refused outright, and symlinks are resolved before the check, so neither escapes.
 */
@Injectable()
export class FileRootsService {
  constructor(private readonly settings: Settings) {}

  checkImportPath(requested: string): string | null {
    return this.check(() => this.resolveImportPath(requested));
  }

  checkExportPath(requested: string): string | null {
    return this.check(() => this.resolveExportPath(requested));
  }

  resolveImportPath(requested: string): string {
    const roots = [this.settings.dataDir, ...this.settings.importRoots];
    return this.resolve(requested, this.settings.dataDir, roots, 'IMPORT_ROOTS');
  }

  /**
   * Resolves an import path and confirms it is a readable regular file. Errors quote the path as
   * configured, not the resolved one, so they match what the user typed.
   */
  async resolveReadableFile(requested: string): Promise<string> {
    const absolutePath = this.resolveImportPath(requested);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(absolutePath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new Error(`file not found: ${requested}`);
      if (code === 'EACCES' || code === 'EPERM') throw new Error(`file not readable (permission denied): ${requested}`);
      throw new Error(`cannot open ${requested}: ${(error as Error).message}`);
    }
    if (!stat.isFile()) throw new Error(`not a regular file: ${requested}`);
    try {
      await fs.promises.access(absolutePath, fs.constants.R_OK);
    } catch {
      throw new Error(`file not readable (permission denied): ${requested}`);
    }
    return absolutePath;
  }

  resolveExportPath(requested: string): string {
    return this.resolve(requested, this.settings.exportRoot, [this.settings.exportRoot], 'EXPORT_ROOT');
  }

  private check(resolve: () => string): string | null {
    try {
      resolve();
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  private resolve(requested: string, base: string, roots: string[], setting: string): string {
    if (typeof requested !== 'string' || requested.trim() === '') throw new PathNotAllowedError('path is empty');
    if (requested.includes('\u0000')) throw new PathNotAllowedError('path contains a NUL character');
    if (requested.split(/[\\/]+/).includes('..')) throw new PathNotAllowedError(`'..' is not allowed in paths: ${requested}`);
    const absolute = path.isAbsolute(requested);
    const candidate = path.resolve(base, requested);
    const allowedRoots = absolute ? roots : [base];
    const lexicalRoot = allowedRoots.find((root) => isWithin(candidate, path.resolve(root)));
    if (!lexicalRoot) {
      throw new PathNotAllowedError(`absolute path ${requested} is outside the allowed roots (${allowedRoots.join(', ')}); set ${setting} to allow it`);
    }
    const real = realPathOf(candidate);
    const realRoot = realPathOf(path.resolve(lexicalRoot));
    if (!isWithin(real, realRoot)) throw new PathNotAllowedError(`path ${requested} leads outside ${lexicalRoot} through a symbolic link`);
    return real;
  }
}
