import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidSettingsError, loadSettings } from './settings';

describe('loadSettings', () => {
  it('has working defaults for everything', () => {
    const settings = loadSettings({});
    expect(settings).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      dataDir: path.resolve('data'),
      database: { type: 'sqlite', file: path.resolve('data', 'app.sqlite') },
      dataStore: { type: 'sqlite', file: path.resolve('data', 'tables.sqlite') },
      pluginPaths: [],
      pluginsStrict: false,
      logLevel: 'info',
      bodyLimitBytes: 1048576,
      shutdownGraceMs: 10000,
      authMode: 'keys',
      authCacheMs: 5000,
    });
  });

  it('reads the hostile-input settings, with defaults that protect', () => {
    expect(loadSettings({})).toMatchObject({ jsonMaxDepth: 64, rateLimitMax: 1000, rateLimitWindowMs: 60000, corsOrigins: [], fetchAllowHosts: [], fetchAllowPrivate: false });
    expect(
      loadSettings({
        JSON_MAX_DEPTH: '10',
        RATE_LIMIT_MAX: '0',
        RATE_LIMIT_WINDOW_MS: '1000',
        CORS_ORIGINS: 'https://a.example, http://127.0.0.1:5173',
        FETCH_ALLOW_HOSTS: ' 127.0.0.1, 10.0.0.0/8 ,*.lab.internal,api.example,',
        FETCH_ALLOW_PRIVATE: 'yes',
      }),
    ).toMatchObject({
      jsonMaxDepth: 10,
      rateLimitMax: 0,
      rateLimitWindowMs: 1000,
      corsOrigins: ['https://a.example', 'http://127.0.0.1:5173'],
      fetchAllowHosts: ['127.0.0.1', '10.0.0.0/8', '*.lab.internal', 'api.example'],
      fetchAllowPrivate: true,
    });
    expect(() => loadSettings({ CORS_ORIGINS: 'https://a.example/path, *', JSON_MAX_DEPTH: '0', RATE_LIMIT_MAX: '-1', FETCH_ALLOW_HOSTS: '10.0.0.0/40' })).toThrow(
      expect.objectContaining({
        problems: [
          'JSON_MAX_DEPTH=0: JSON_MAX_DEPTH must not be less than 1',
          'RATE_LIMIT_MAX=-1: RATE_LIMIT_MAX must not be less than 0',
          `CORS_ORIGINS="https://a.example/path, *": 'https://a.example/path' is not an origin like https://app.example.org (scheme, host and optional port, no path)`,
          `CORS_ORIGINS="https://a.example/path, *": '*' is not an origin like https://app.example.org (scheme, host and optional port, no path)`,
          `FETCH_ALLOW_HOSTS="10.0.0.0/40": '10.0.0.0/40' is not a valid IP address or CIDR range`,
        ],
      }),
    );
  });

  it('reads AUTH and AUTH_CACHE_MS, rejecting anything else', () => {
    expect(loadSettings({ AUTH: 'none', AUTH_CACHE_MS: '0' })).toMatchObject({ authMode: 'none', authCacheMs: 0 });
    expect(() => loadSettings({ AUTH: 'off' })).toThrow(/AUTH must be keys or none/);
    expect(() => loadSettings({ AUTH_CACHE_MS: '-1' })).toThrow(/AUTH_CACHE_MS/);
  });

  it('reads and converts every variable', () => {
    const settings = loadSettings({
      HOST: '::1',
      PORT: '8080',
      DATA_DIR: '/tmp/pif',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/pif',
      DATA_STORE_URL: 'sqlite:/tmp/tables.db',
      PLUGIN_PATHS: '/a/plugins: ./b ::',
      PLUGINS_STRICT: 'true',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
    });
    expect(settings).toMatchObject({
      host: '::1',
      port: 8080,
      dataDir: '/tmp/pif',
      database: { type: 'postgres', url: 'postgres://u:p@127.0.0.1:5432/pif' },
      dataStore: { type: 'sqlite', file: '/tmp/tables.db' },
      pluginPaths: ['/a/plugins', path.resolve('b')],
      pluginsStrict: true,
      logLevel: 'debug',
      logFormat: 'json',
    });
  });

  it('lists every bad value at once', () => {
    try {
      loadSettings({ PORT: 'eighty', PLUGINS_STRICT: 'perhaps', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
      throw new Error('expected loadSettings to throw');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidSettingsError);
      const problems = (error as InvalidSettingsError).problems.join('\n');
      for (const name of ['PORT', 'PLUGINS_STRICT', 'LOG_LEVEL', 'DATABASE_URL']) expect(problems).toContain(name);
    }
    expect(() => loadSettings({ PORT: '70000' })).toThrow(/PORT/);
  });

  it('takes SECRET_KEY and SECRET_KEY_PREVIOUS as 32 bytes in hex or base64, and never echoes a bad one', () => {
    const hex = 'ab'.repeat(32);
    const base64 = Buffer.alloc(32, 7).toString('base64');
    const settings = loadSettings({ SECRET_KEY: hex, SECRET_KEY_PREVIOUS: base64 });
    expect(settings.secretKey).toEqual(Buffer.from(hex, 'hex'));
    expect(settings.secretKeyPrevious).toEqual(Buffer.alloc(32, 7));
    expect(loadSettings({}).secretKey).toBeNull();
    try {
      loadSettings({ SECRET_KEY: 'hunter2-is-not-a-key', PORT: 'x' });
      throw new Error('expected loadSettings to throw');
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/SECRET_KEY: must be 32 bytes written as 64 hex digits or as base64/);
      expect(message).toContain('PORT');
      expect(message).not.toContain('hunter2');
    }
    expect(() => loadSettings({ SECRET_KEY_PREVIOUS: hex })).toThrow(/SECRET_KEY_PREVIOUS: needs SECRET_KEY/);
  });

  it('takes PROVISIONING_PATH as a folder that must exist, and keeps the environment for ${VAR} without the key variables', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-settings-'));
    try {
      expect(loadSettings({}).provisioningPath).toBeNull();
      const settings = loadSettings({ PROVISIONING_PATH: folder, LAB_SHARE: '/srv/share', SECRET_KEY: 'ab'.repeat(32) });
      expect(settings.provisioningPath).toBe(folder);
      expect(settings.environment).toMatchObject({ LAB_SHARE: '/srv/share', PROVISIONING_PATH: folder });
      expect(settings.environment).not.toHaveProperty('SECRET_KEY');
      fs.writeFileSync(path.join(folder, 'lab.yaml'), 'instances: []');
      expect(() => loadSettings({ PROVISIONING_PATH: path.join(folder, 'missing') })).toThrow(`PROVISIONING_PATH="${path.join(folder, 'missing')}": the folder ${path.join(folder, 'missing')} does not exist`);
      expect(() => loadSettings({ PROVISIONING_PATH: path.join(folder, 'lab.yaml') })).toThrow(/is not a folder/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
