import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { API_FETCHER_CONFIG_SCHEMA } from '../../plugins/api_fetcher/config';
import { normaliseRequired } from '../templates/config-schema.service';
import { isSecretEnvelope, SecretCipher } from './secret-cipher';
import { maskConfig, mergeSecrets, placeholderErrors, UnreadableSecret } from './secret-config';
import { loadOrCreateKeyFile, parseSecretKey, SECRET_KEY_FILE } from './secret-key';
import { dottedPath, secretPathsIn, secretPatternsOf } from './secret-paths';
import { SECRET_MASK, SecretScrubber } from './secret-scrubber';

const SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    auth: { type: 'object', properties: { user: { type: 'string' }, token: { type: 'string', writeOnly: true } } },
    tokens: { type: 'array', items: { type: 'string', format: 'password' } },
    rows: { type: 'array', items: { type: 'object', properties: { key: { $ref: '#/$defs/secret' }, label: { type: 'string' } } } },
    vault: { type: 'object', properties: { plain: { type: 'string' } }, additionalProperties: { type: 'string', writeOnly: true } },
    whole: { type: 'object', writeOnly: true, properties: { inner: { type: 'string', writeOnly: true } } },
  },
  allOf: [{ if: { properties: { name: { const: 'x' } } }, then: { properties: { branch: { type: 'string', format: 'password' } } } }],
  $defs: { secret: { type: 'string', writeOnly: true } },
};

const paths = (config: unknown, schema: unknown = SCHEMA) => secretPathsIn(config, secretPatternsOf(schema)).map(dottedPath).sort();

describe('the secret schema walker', () => {
  it('finds secrets in properties, array items, additionalProperties, $refs and if/then branches', () => {
    const config = {
      name: 'x',
      auth: { user: 'u', token: 't' },
      tokens: ['a', 'b'],
      rows: [{ key: 'k0', label: 'l' }, { label: 'no key' }],
      vault: { plain: 'p', one: '1', 'two words': '2' },
      whole: { inner: 'i' },
      branch: 'b',
    };
    expect(paths(config)).toEqual(['auth.token', 'branch', 'rows[0].key', 'tokens[0]', 'tokens[1]', 'vault.one', 'vault["two words"]', 'whole'].sort());
  });

  it('lists only secrets that are present, null included (a cleared secret), and nothing for a plain schema', () => {
    expect(paths({ auth: { user: 'u' }, spare: null })).toEqual([]);
    expect(paths({ auth: { token: null } })).toEqual(['auth.token']);
    expect(paths({ a: 'b' }, { type: 'object', properties: { a: { type: 'string' } } })).toEqual([]);
  });

  it("marks api_fetcher's bearer token, basic password and api-key value", () => {
    const schema = normaliseRequired(API_FETCHER_CONFIG_SCHEMA);
    expect(paths({ auth: { type: 'bearer', token: 't' } }, schema)).toEqual(['auth.token']);
    expect(paths({ auth: { type: 'basic', username: 'u', password: 'p' } }, schema)).toEqual(['auth.password']);
    expect(paths({ auth: { type: 'api_key', header: 'X-Key', value: 'v' }, headers: { Accept: 'x' } }, schema)).toEqual(['auth.value']);
  });
});

describe('SecretCipher', () => {
  const cipher = new SecretCipher(randomBytes(32));

  it('round-trips any JSON value in a v1 envelope naming its key', () => {
    for (const value of ['s3cret-value', { nested: [1, 'two'] }, 42]) {
      const envelope = cipher.seal(value, 'aad');
      expect(isSecretEnvelope(envelope)).toBe(true);
      expect(envelope.$secret).toMatch(new RegExp(`^v1:${cipher.keyId}:[\\w-]+:[\\w-]+:[\\w-]+$`));
      expect(JSON.stringify(envelope)).not.toContain('s3cret');
      expect(cipher.open(envelope, 'aad')).toEqual(value);
    }
    expect(cipher.seal('same', 'aad').$secret).not.toBe(cipher.seal('same', 'aad').$secret);
  });

  it('refuses a tampered ciphertext, a moved one (other AAD) and a foreign key, each with a clear reason', () => {
    const envelope = cipher.seal('value', 'instance-1:auth.token');
    const parts = envelope.$secret.split(':');
    const flipped = Buffer.from(parts[4], 'base64url');
    flipped[0] ^= 1;
    const tampered = { $secret: [...parts.slice(0, 4), flipped.toString('base64url')].join(':') };
    expect(() => cipher.open(tampered, 'instance-1:auth.token')).toThrow(/authentication failed/);
    expect(() => cipher.open(envelope, 'instance-2:auth.token')).toThrow(/authentication failed/);
    const other = new SecretCipher(randomBytes(32));
    expect(() => other.open(envelope, 'instance-1:auth.token')).toThrow(new RegExp(`encrypted with key ${cipher.keyId}, but the current key is ${other.keyId}`));
    expect(() => cipher.open({ $secret: 'garbage' }, 'x')).toThrow(/not a v1 secret envelope/);
  });

  it('opens envelopes of the previous key after a rotation', () => {
    const previous = randomBytes(32);
    const old = new SecretCipher(previous).seal('rotated', 'aad');
    const rotated = new SecretCipher(randomBytes(32), previous);
    expect(rotated.open(old, 'aad')).toBe('rotated');
    expect(rotated.keyIdIn(old)).toBe(rotated.previousKeyId);
  });
});

describe('SecretScrubber', () => {
  it('masks raw, URI-encoded, JSON-escaped and base64 forms in text and deep values, keys included', () => {
    const secret = 'p@ss "word"/1';
    const scrubber = new SecretScrubber([secret, 'abc']);
    const text = `raw ${secret} uri ${encodeURIComponent(secret)} json ${JSON.stringify(secret)} b64 ${Buffer.from(secret).toString('base64')}`;
    expect(scrubber.text(text)).not.toContain('word');
    expect(scrubber.text(text)).toBe(`raw ${SECRET_MASK} uri ${SECRET_MASK} json "${SECRET_MASK}" b64 ${SECRET_MASK}`);
    expect(scrubber.value({ [secret]: [secret, 1, { deep: `x${secret}x` }] })).toEqual({ [SECRET_MASK]: [SECRET_MASK, 1, { deep: `x${SECRET_MASK}x` }] });
  });

  it('leaves values shorter than 4 characters alone, so output is not mangled', () => {
    expect(new SecretScrubber(['abc']).text('abcabc')).toBe('abcabc');
    expect(new SecretScrubber([]).value({ a: 'b' })).toEqual({ a: 'b' });
  });
});

describe('masking and PUT merge rules', () => {
  const patterns = secretPatternsOf(SCHEMA);

  it('masks envelopes and set secrets, listing them sorted; null and absent secrets are not set', () => {
    const cipher = new SecretCipher(randomBytes(32));
    const masked = maskConfig({ name: 'n', auth: { user: 'u', token: cipher.seal('t', 'a') }, tokens: ['plain'], spare: null }, patterns);
    expect(masked).toEqual({ config: { name: 'n', auth: { user: 'u', token: SECRET_MASK }, tokens: [SECRET_MASK], spare: null }, secret_fields: ['auth.token', 'tokens[0]'] });
  });

  it('on create rejects the mask and envelope-shaped values, with JSON Pointers', () => {
    expect(placeholderErrors({ auth: { token: SECRET_MASK }, name: { $secret: 'v1:x' } }, patterns, false)).toEqual([
      { path: '/config/name', message: expect.stringContaining('envelope') },
      { path: '/config/auth/token', message: expect.stringContaining('mask') },
    ]);
    expect(placeholderErrors({ auth: { token: SECRET_MASK } }, patterns, true)).toEqual([]);
  });

  const stored = { name: 'n', auth: { user: 'u', token: 'old-token' }, tokens: ['t0', 't1'] };

  it('keeps a secret sent as the mask or left out, replaces a new value, and clears one sent as null by dropping its key', () => {
    expect(mergeSecrets({ auth: { user: 'v', token: SECRET_MASK }, tokens: [SECRET_MASK, 'new'] }, stored, patterns)).toEqual({
      config: { auth: { user: 'v', token: 'old-token' }, tokens: ['t0', 'new'] },
      carried: [],
      cleared: [],
      errors: [],
    });
    expect(mergeSecrets({ auth: { user: 'v' }, tokens: ['only'] }, stored, patterns)).toEqual({
      config: { auth: { user: 'v', token: 'old-token' }, tokens: ['only'] },
      carried: [['auth', 'token']],
      cleared: [],
      errors: [],
    });
    expect(mergeSecrets({ auth: { token: 'fresh' } }, stored, patterns).config).toEqual({ auth: { token: 'fresh' } });
    // Null clears: the key goes (so a schema that forbids null still accepts it) and the stored value is not carried back.
    expect(mergeSecrets({ auth: { user: 'v', token: null } }, stored, patterns)).toEqual({ config: { auth: { user: 'v' } }, carried: [], cleared: [['auth', 'token']], errors: [] });
    // An array element keeps its null: dropping it would shift the others.
    expect(mergeSecrets({ tokens: [null, SECRET_MASK] }, stored, patterns).config).toEqual({ tokens: [null, 't1'] });
    // The parent object left out: the request replaced it, nothing is re-created.
    expect(mergeSecrets({ name: 'n' }, stored, patterns).config).toEqual({ name: 'n' });
  });

  it('reports the mask where nothing is stored, and a stored secret that cannot be decrypted', () => {
    expect(mergeSecrets({ tokens: ['t0', 't1', SECRET_MASK] }, stored, patterns).errors).toEqual([{ path: '/config/tokens/2', message: expect.stringContaining('no secret is stored') }]);
    const unreadable = { auth: { token: new UnreadableSecret('wrong key') } };
    expect(mergeSecrets({ auth: { token: SECRET_MASK } }, unreadable, patterns).errors).toEqual([{ path: '/config/auth/token', message: expect.stringContaining('wrong key') }]);
  });
});

describe('the secret key', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-key-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses 32 bytes as hex or base64 and nothing else', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'))).toEqual(key);
    expect(parseSecretKey('too-short')).toBeNull();
    expect(parseSecretKey(randomBytes(16).toString('hex'))).toBeNull();
  });

  it('is generated into DATA_DIR/secret.key with mode 0600 and reused afterwards', () => {
    const first = loadOrCreateKeyFile(path.join(dir, 'nested'));
    expect(first.created).toBe(true);
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    const again = loadOrCreateKeyFile(path.join(dir, 'nested'));
    expect(again).toEqual({ key: first.key, created: false, file: first.file });
  });

  it('refuses a malformed file and one readable by others, with a one-line message', () => {
    const file = path.join(dir, SECRET_KEY_FILE);
    fs.writeFileSync(file, 'not a key\n', { mode: 0o600 });
    expect(() => loadOrCreateKeyFile(dir)).toThrow(/does not hold a 32-byte key/);
    fs.writeFileSync(file, randomBytes(32).toString('base64'));
    fs.chmodSync(file, 0o644);
    expect(() => loadOrCreateKeyFile(dir)).toThrow(/accessible to other users \(mode 0644\); run: chmod 600/);
  });
});
