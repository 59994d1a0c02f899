import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SECRET_KEY_BYTES } from './secret-cipher';

export const SECRET_KEY_FILE = 'secret.key';

/** A key problem that stops the server: one line, for people. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** 32 bytes written as 64 hex digits or as base64 (standard or URL-safe); null otherwise. */
export function parseSecretKey(text: string): Buffer | null {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return key.length === SECRET_KEY_BYTES ? key : null;
  }
  return null;
}

/**
 * The key in DATA_DIR/secret.key, created (mode 0600) on first start. An existing file that is
 * unreadable, malformed, or readable by group or others stops the server.
 */
export function loadOrCreateKeyFile(dataDir: string): { key: Buffer; created: boolean; file: string } {
  const file = path.join(dataDir, SECRET_KEY_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    // Written whole to a private temp file, then linked into place: a concurrent first start never reads half a key.
    const temp = `${file}.${process.pid}.tmp`;
    const key = randomBytes(SECRET_KEY_BYTES);
    try {
      fs.writeFileSync(temp, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      fs.linkSync(temp, file);
      return { key, created: true, file };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new SecretKeyError(`cannot create the secret key file ${file}: ${(error as Error).message}; set SECRET_KEY instead`);
      }
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  let text: string;
  try {
    const mode = fs.statSync(file).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new SecretKeyError(`the secret key file ${file} is accessible to other users (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${file}`);
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof SecretKeyError) throw error;
    throw new SecretKeyError(`cannot read the secret key file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const key = parseSecretKey(text);
  if (!key) throw new SecretKeyError(`the secret key file ${file} does not hold a ${SECRET_KEY_BYTES}-byte key (base64 or hex); restore it, or set SECRET_KEY`);
  return { key, created: false, file };
}
