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
});
