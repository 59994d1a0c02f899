import { Injectable, Logger } from '@nestjs/common';
import { Settings } from '../config/settings';
import { isSecretEnvelope, SecretCipher, SecretDecryptError, SecretEnvelope } from './secret-cipher';
import { envelopePathsIn, UnreadableSecret } from './secret-config';
import { loadOrCreateKeyFile } from './secret-key';
import { ConfigPath, dottedPath, SecretPattern, secretPathsIn, setValueAt, valueAt } from './secret-paths';
import { SecretScrubber, secretStrings } from './secret-scrubber';

/** A stored secret that cannot be decrypted: the run (or request) that needs it cannot proceed. */
export class SecretUnreadableError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`the stored secret ${field} cannot be decrypted: ${reason}`);
    this.name = 'SecretUnreadableError';
  }
}

export interface OpenedConfig {
  /** The config with every secret decrypted (unreadable ones replaced by UnreadableSecret markers, in lenient mode). */
  config: Record<string, unknown>;
  /** Where envelopes were: they stay sealed there when the config is sealed again. */
  sealedPaths: ConfigPath[];
  /** Envelopes sealed with SECRET_KEY_PREVIOUS: to re-encrypt with the current key. */
  rotated: number;
  unreadable: SecretUnreadableError[];
}

/** The associated data of a secret: binds the ciphertext to one instance and one field. */
const aadOf = (instanceId: string, path: ConfigPath) => `pif-secret:${instanceId}:${dottedPath(path)}`;

/**
 * Encrypts secret config values at rest and decrypts them only to hand a config to its handler (or to
 * merge an update). The key: SECRET_KEY, else DATA_DIR/secret.key, generated on first start.
 */
@Injectable()
export class SecretsService {
  private readonly logger = new Logger(SecretsService.name);
  private readonly cipher: SecretCipher;

  constructor(settings: Settings) {
    if (settings.secretKey) {
      this.cipher = new SecretCipher(settings.secretKey, settings.secretKeyPrevious);
      this.logger.log(`secret key: SECRET_KEY (id ${this.cipher.keyId})${settings.secretKeyPrevious ? `, previous key id ${this.cipher.previousKeyId}` : ''}`);
    } else {
      const { key, created, file } = loadOrCreateKeyFile(settings.dataDir);
      this.cipher = new SecretCipher(key);
      this.logger.log(`secret key: ${file} (id ${this.cipher.keyId}${created ? ', generated now; back it up with the database' : ''})`);
    }
  }

  get keyId(): string {
    return this.cipher.keyId;
  }

  /** Replaces each set secret (and each `alsoSeal` location) with an envelope bound to the instance. */
  seal(instanceId: string, config: Record<string, unknown>, patterns: readonly SecretPattern[], alsoSeal: readonly ConfigPath[] = []): Record<string, unknown> {
    const sealed = structuredClone(config);
    for (const path of [...secretPathsIn(sealed, patterns), ...alsoSeal]) {
      const value = valueAt(sealed, path);
      if (value === undefined || value === null || isSecretEnvelope(value)) continue;
      setValueAt(sealed, path, this.cipher.seal(value, aadOf(instanceId, path)));
    }
    return sealed;
  }

  /** Decrypts every envelope of a stored config. Strict mode throws on the first one that cannot be opened. */
  open(instanceId: string, stored: Record<string, unknown>, mode: 'strict' | 'lenient' = 'strict'): OpenedConfig {
    const config = structuredClone(stored ?? {});
    const sealedPaths = envelopePathsIn(config);
    const unreadable: SecretUnreadableError[] = [];
    let rotated = 0;
    for (const path of sealedPaths) {
      const envelope = valueAt(config, path) as { $secret: string };
      if (this.cipher.previousKeyId && this.cipher.keyIdIn(envelope) === this.cipher.previousKeyId) rotated++;
      try {
        setValueAt(config, path, this.cipher.open(envelope, aadOf(instanceId, path)));
      } catch (error) {
        if (!(error instanceof SecretDecryptError)) throw error;
        const problem = new SecretUnreadableError(dottedPath(path), error.message);
        if (mode === 'strict') throw problem;
        unreadable.push(problem);
        setValueAt(config, path, new UnreadableSecret(error.message));
      }
    }
    return { config, sealedPaths, rotated, unreadable };
  }

  /**
   * Seals one value outside a config (a webhook's signing secret), bound to `aad`: the same cipher and key
   * as config secrets, so SECRET_KEY rotation covers it.
   */
  sealValue(value: string, aad: string): SecretEnvelope {
    return this.cipher.seal(value, aad);
  }

  /** Opens what sealValue sealed with the same `aad`; throws SecretDecryptError when it cannot. */
  openValue(envelope: SecretEnvelope, aad: string): unknown {
    return this.cipher.open(envelope, aad);
  }

  /** A scrubber for every secret value of an opened config: decrypted envelopes and plaintext at secret locations. */
  scrubberFor(opened: Pick<OpenedConfig, 'config' | 'sealedPaths'>, patterns: readonly SecretPattern[]): SecretScrubber {
    const paths = [...opened.sealedPaths, ...secretPathsIn(opened.config, patterns)];
    return new SecretScrubber(paths.flatMap((path) => secretStrings(valueAt(opened.config, path))));
  }
}
