import { isPlainObject } from '../common/json';
import { FileProblem, ProvisioningFileError } from './file-problem';

/** `$${` (a literal `${`), `${NAME}`, or a `${` that starts neither. */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{/g;

/** Never handed to a file: a config could otherwise copy the key that seals every secret. */
const WITHHELD = new Set(['SECRET_KEY', 'SECRET_KEY_PREVIOUS']);

const pointer = (parent: string, key: string | number) => `${parent}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

function interpolateText(text: string, environment: Readonly<Record<string, string>>, path: string): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (match, name: string | undefined) => {
    if (match === '$${') return '${';
    const fail = (message: string): never => {
      throw new ProvisioningFileError({ message, path });
    };
    if (name === undefined) return fail('"${" must start a reference like ${LAB_TOKEN} (letters, digits and _, not starting with a digit); write "$${" for a literal "${"');
    if (WITHHELD.has(name)) return fail(`\${${name}} is not available to provisioning files`);
    const value = environment[name];
    return value === undefined ? fail(`environment variable ${name} is not set`) : value;
  });
}

/**
 * A parsed file with `${NAME}` in its string values replaced by the environment variable NAME (keys are left as
 * they are, and a replacement is not scanned again). `$${` stands for a literal `${`. An unset variable, or a
 * `${` that starts no reference, is a problem naming it and where it is. Values YAML can hold but JSON cannot
 * (binary, non-finite numbers) are refused here too, so what comes out is plain JSON.
 */
export function interpolate(value: unknown, environment: Readonly<Record<string, string>>, path = ''): unknown {
  if (typeof value === 'string') return interpolateText(value, environment, path);
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new ProvisioningFileError({ message: `${value} is not a JSON number`, path });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, environment, pointer(path, index)));
  if (isPlainObject(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, environment, pointer(path, key))]));
  }
  const problem: FileProblem = { message: 'is not a JSON value (YAML tags such as !!binary are not supported)', path };
  throw new ProvisioningFileError(problem);
}
