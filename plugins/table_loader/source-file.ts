import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** The concrete formats table_loader reads. */
export type TableFileType = 'csv' | 'tsv' | 'xlsx';

const BY_EXTENSION: Record<string, TableFileType> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.xlsx': 'xlsx',
  '.xlsm': 'xlsx',
};

/** Why a file type cannot be read, or null. `.xls` gets its own hint: it is a different (binary) format. */
export function unsupportedTypeReason(filePath: string, fileType: string): string | null {
  const extension = path.extname(filePath).toLowerCase();
  if (fileType !== 'auto' && fileType !== 'xlsx') return null; // an explicit csv/tsv is the user's call
  if (extension === '.xls') return 'unsupported file type .xls: save it as .xlsx (Excel 2007 or later) or as CSV';
  if (fileType === 'auto' && !(extension in BY_EXTENSION)) {
    const shown = extension === '' ? 'no extension' : extension;
    return `unsupported file type (${shown}): use .csv, .tsv, .tab, .txt, .xlsx or .xlsm, or set file_type to csv, tsv or xlsx`;
  }
  return null;
}

/** The format to read: the explicit file_type, else the one the extension implies. */
export function resolveFileType(filePath: string, fileType: string): TableFileType {
  const reason = unsupportedTypeReason(filePath, fileType);
  if (reason) throw new Error(reason);
  if (fileType !== 'auto') return fileType as TableFileType;
  return BY_EXTENSION[path.extname(filePath).toLowerCase()];
}

/**
 * Confirms the resolved path is a readable regular file. Errors quote the path as configured, not the
 * resolved one, so the message matches what the user typed and does not reveal the server's layout.
 */
export async function assertReadableFile(absolutePath: string, configuredPath: string): Promise<number> {
  let stat;
  try {
    stat = await fsp.stat(absolutePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new Error(`file not found: ${configuredPath}`);
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`file not readable (permission denied): ${configuredPath}`);
    throw new Error(`cannot open ${configuredPath}: ${(error as Error).message}`);
  }
  if (!stat.isFile()) throw new Error(`not a regular file: ${configuredPath}`);
  try {
    await fsp.access(absolutePath, fsConstants.R_OK);
  } catch {
    throw new Error(`file not readable (permission denied): ${configuredPath}`);
  }
  return stat.size;
}
