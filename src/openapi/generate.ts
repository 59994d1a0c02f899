import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp } from '../bootstrap';
import { loadSettings } from '../config/settings';
import { buildOpenApiDocument } from './openapi';

/**
 * Writes openapi/openapi.json from the built app (the swagger CLI plugin's metadata is only in the
 * build), without listening, on a throwaway data directory and only the bundled plugins.
 */
async function generate(): Promise<void> {
  const output = path.resolve(process.argv[2] ?? 'openapi/openapi.json');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-openapi-'));
  try {
    const settings = loadSettings({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' });
    const app = await createApp(settings);
    await app.init();
    const document = buildOpenApiDocument(app);
    await app.close();
    fs.mkdirSync(path.dirname(output), { recursive: true });
    fs.writeFileSync(output, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), output)}`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

generate().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
