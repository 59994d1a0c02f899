import 'reflect-metadata';
import { createApp } from './bootstrap';
import { InvalidSettingsError, loadSettings } from './config/settings';

async function main(): Promise<void> {
  const settings = loadSettings();
  const app = await createApp(settings);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen({ host: settings.host, port: settings.port });
  app.getHttpAdapter().getInstance().log.info(`listening on ${await app.getUrl()} (Swagger UI at /docs)`);
}

main().catch((error: unknown) => {
  // Configuration and strict plugin errors are for people: print the message, not a stack.
  const expected = error instanceof InvalidSettingsError || (error as Error)?.name === 'PluginsStrictError';
  console.error(expected ? (error as Error).message : error);
  process.exit(1);
});
