import type { Duplex } from 'node:stream';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule, AppOptions } from './app.module';
import { registerHttpHardening, registerWebhookBodyParsers, securityHeadersFor, SERVER_LIMITS } from './common/http-hardening';
import { clientErrorResponse, ProblemDetailsFilter, sendProblem } from './common/problem-details.filter';
import { registerConsole } from './console/console-static';
import { RequestValidationPipe } from './common/request-validation.pipe';
import { Settings } from './config/settings';
import { createLogger, PinoNestLogger, requestIdFrom } from './logging/logger';
import { buildOpenApiDocument, setupSwaggerUi } from './openapi/openapi';

export interface CreateAppOptions extends AppOptions {
  /** The built web console to serve at `/`; by default the project's dist/web (tests point it elsewhere). */
  consoleRoot?: string;
}

/**
 * Builds the whole application: Fastify adapter, logging with request ids, validation, the problem+json
 * filter, Swagger and the web console. main.ts listens on it; tests and the spec generator use it as is.
 */
export async function createApp(settings: Settings, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createLogger(settings);
  const frameworkLogger = new Logger('Fastify');
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: settings.bodyLimitBytes,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => requestIdFrom(request.headers),
    return503OnClosing: true,
    ...SERVER_LIMITS,
    // Errors fastify raises before routing (a malformed URL) get the same problem+json and headers as the rest.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      securityHeadersFor(request, reply);
      sendProblem(request, reply, error, frameworkLogger);
    },
    // And so do requests node's HTTP parser rejects before fastify sees them.
    clientErrorHandler: (error: Error & { code?: string }, socket: Duplex) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(clientErrorResponse(error));
      socket.destroy(error);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(await AppModule.forRoot(settings, { clock: options.clock }), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      void reply.header('x-request-id', request.id);
    });
  app.useGlobalPipes(new RequestValidationPipe());
  await registerHttpHardening(app, settings);
  app.useGlobalFilters(new ProblemDetailsFilter());
  setupSwaggerUi(app, buildOpenApiDocument(app));
  await registerConsole(app, options.consoleRoot);
  await app.init();
  // JSON is the only request body this API takes: anything else is a 415, not a string to validate. The one
  // exception, webhook deliveries, gets form and text parsers that refuse every other route.
  app.getHttpAdapter().getInstance().removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
  registerWebhookBodyParsers(app.getHttpAdapter().getInstance(), settings);
  return app;
}
