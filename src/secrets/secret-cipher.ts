import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { isPlainObject } from '../common/json';

/** How a secret sits in a stored config: `{"$secret": "v1:<keyId>:<iv>:<tag>:<ciphertext>"}` (base64url parts). */
export interface SecretEnvelope {
  $secret: string;
}

export const isSecretEnvelope = (value: unknown): value is SecretEnvelope =>
  isPlainObject(value) && typeof value.$secret === 'string' && Object.keys(value).length === 1;

export class SecretDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptError';
  }
}

const VERSION = 'v1';
export const SECRET_KEY_BYTES = 32;

/** A short, non-reversible fingerprint of a key: tells which key sealed an envelope. */
export const keyIdOf = (key: Buffer): string => createHash('sha256').update('pif-secret-key-id\0').update(key).digest('hex').slice(0, 12);

/**
 * AES-256-GCM with a random 12-byte IV per seal. The additional authenticated data names the instance
 * and the field, so a ciphertext copied to another instance or field fails to open.
 */
export class SecretCipher {
  readonly keyId: string;
  readonly previousKeyId: string | null;

  constructor(
    private readonly key: Buffer,
    private readonly previousKey: Buffer | null = null,
  ) {
    if (key.length !== SECRET_KEY_BYTES) throw new Error(`secret key must be ${SECRET_KEY_BYTES} bytes`);
    this.keyId = keyIdOf(key);
    this.previousKeyId = previousKey ? keyIdOf(previousKey) : null;
  }

  seal(value: unknown, aad: string): SecretEnvelope {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
    return { $secret: [VERSION, this.keyId, ...parts].join(':') };
  }

  /** The key id an envelope names, or null when it is not a v1 envelope. */
  keyIdIn(envelope: SecretEnvelope): string | null {
    const parts = envelope.$secret.split(':');
    return parts.length === 5 && parts[0] === VERSION ? parts[1] : null;
  }

  open(envelope: SecretEnvelope, aad: string): unknown {
    const parts = envelope.$secret.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretDecryptError('it is not a v1 secret envelope');
    const [, keyId, iv, tag, ciphertext] = parts;
    const key = keyId === this.keyId ? this.key : keyId === this.previousKeyId ? this.previousKey : null;
    if (!key) {
      throw new SecretDecryptError(
        `it was encrypted with key ${keyId}, but the current key is ${this.keyId}${this.previousKeyId ? ` and the previous one ${this.previousKeyId}` : ''}; set SECRET_KEY (or SECRET_KEY_PREVIOUS) to the key that sealed it`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      return JSON.parse(plaintext) as unknown;
    } catch {
      throw new SecretDecryptError('authentication failed: the ciphertext was altered, or copied from another instance or field');
    }
  }
}
