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

