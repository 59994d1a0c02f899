import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { structuralProblems } from '../common/request-validation.pipe';
import { declarationsOf, ProvisioningFile } from './file-format';
import { FileProblem, ProvisioningFileError } from './file-problem';
import { interpolate } from './interpolation';

/** A file larger than this is refused unread: provisioning files are short, and a mistake must not fill memory. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Aliases a YAML file may expand (the yaml package's guard against "billion laughs"). */
const MAX_ALIASES = 100;
/** What counts as a provisioning file; anything else in the folder (README.md, editor backups) is left alone. */
const FILE_NAME = /^[^.].*\.(ya?ml|json)$/i;

/** One file as read: what it declares, or its problem. */
export type FileReading = { file: string; declared: ProvisioningFile; problem?: undefined } | { file: string; declared?: undefined; problem: FileProblem };

/**
 * The provisioning files of a folder, sorted by name: `*.yaml`, `*.yml` and `*.json` directly in it (not in
 * subfolders; names starting with a dot are skipped, as editors and Kubernetes' ConfigMap mounts keep their own
 * files there). Each is parsed (JSON as YAML 1.2, which it is a subset of), interpolated and checked for shape on
 * its own. A folder that cannot be listed throws.
 */
export async function readProvisioningFiles(folder: string, environment: Readonly<Record<string, string>>): Promise<FileReading[]> {
  const names = (await fs.readdir(folder)).filter((name) => FILE_NAME.test(name)).sort();
  const readings: FileReading[] = [];
  for (const file of names) {
    try {
      readings.push({ file, declared: await readFile(folder, file, environment) });
    } catch (error) {
      readings.push({ file, problem: error instanceof ProvisioningFileError ? error.problem : { message: `cannot be read: ${(error as Error).message}` } });
    }
  }
  return readings;
}

async function readFile(folder: string, file: string, environment: Readonly<Record<string, string>>): Promise<ProvisioningFile> {
  const full = path.join(folder, file);
  const stat = await fs.stat(full);
  if (!stat.isFile()) throw new ProvisioningFileError({ message: 'is not a regular file' });
  if (stat.size > MAX_FILE_BYTES) throw new ProvisioningFileError({ message: `is ${stat.size} bytes, more than the ${MAX_FILE_BYTES} a provisioning file may have` });
  const content = interpolate(parse(await fs.readFile(full, 'utf8')), environment);
  return declarationsOf(file, content);
}

/** YAML (or JSON) text to a value; a syntax error names its line and column, without quoting the file (it may hold a secret). */
function parse(text: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const [syntax] = document.errors;
  if (syntax) throw new ProvisioningFileError({ message: `not valid YAML or JSON: ${firstLine(syntax.message)}` });
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    throw new ProvisioningFileError({ message: `not valid YAML or JSON: ${firstLine((error as Error).message)}` });
  }
  const [shape] = structuralProblems(value);
  if (shape) throw new ProvisioningFileError(shape);
  return value;
}

/** The yaml package's message without the excerpt of the source it appends after the position. */
const firstLine = (message: string) => message.split('\n')[0].replace(/:$/, '');
