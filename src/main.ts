import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { AccessService } from './auth/access.service';
import { createApp } from './bootstrap';
import { InvalidSettingsError, loadSettings } from './config/settings';

async function main(): Promise<void> {
  // V8 moves an allocation site's objects straight to the old generation once enough of them survived a young
  // collection. An import's row arrays trip that now and then, and from then on every batch piles up there until
  // a full collection: in 1 of 5 1M-row CSV imports the process grew by 130 MB and ran 30% slower (npm run bench).
  setFlagsFromString('--no-allocation-site-pretenuring');
  const settings = loadSettings();
  const app = await createApp(settings);
  const log = app.getHttpAdapter().getInstance().log;

  // Graceful shutdown: stop accepting, let runs finish (SHUTDOWN_GRACE_MS), close the database, exit 0.
  // A second signal while closing exits at once.
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) {
        log.warn(`received ${signal} again, exiting now`);
        process.exit(1);
      }
      closing = true;
      log.info(`received ${signal}, shutting down`);
      app.close().then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }

  // Before listening: a HOST beyond loopback with no API key is refused without opening a socket.
  await app.get(AccessService).assertSafeToListen(settings.host);
  await app.listen({ host: settings.host, port: settings.port });
  log.info(`listening on ${await app.getUrl()} (Swagger UI at /docs)`);
}

main().catch((error: unknown) => {
  // Configuration and strict plugin errors are for people: print the message, not a stack.
  const expected = error instanceof InvalidSettingsError || ['PluginsStrictError', 'DataStoreUnavailableError', 'SecretKeyError', 'UnsafeBindError'].includes((error as Error)?.name);
  console.error(expected ? (error as Error).message : error);
  process.exit(1);
});
