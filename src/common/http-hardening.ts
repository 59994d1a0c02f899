import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import helmet from 'helmet';
import { bearerTokenOf, hashToken } from '../auth/tokens';
import { Settings } from '../config/settings';
import { JsonTooDeepError, RateLimitedError } from './domain-errors';
import { exceedsJsonDepth } from './json-depth';

/**
 * The one route that takes bodies other than JSON (form and text) and keeps the raw bytes, which signatures are
 * computed over: webhook deliveries. Its body limit is WEBHOOK_MAX_BYTES instead of BODY_LIMIT_BYTES.
 */
export const WEBHOOK_ROUTE = '/api/hooks/:token';

declare module 'fastify' {
  interface FastifyRequest {
    /** The raw body of a webhook delivery, as received (set only on WEBHOOK_ROUTE). */
    webhookBody?: Buffer;
  }
}

const isWebhookRoute = (request: FastifyRequest): boolean => request.routeOptions?.url === WEBHOOK_ROUTE;

/** A form body as an object: each field once, a repeated field as an array of its values. */
function parseForm(body: Buffer): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    const earlier = fields[name];
    fields[name] = earlier === undefined ? value : Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  }
  return { ...fields };
}

/**
 * Form and text bodies, for webhook deliveries only: every other route still answers them 415, as before. Call
 * after the framework's own form and text parsers are removed (see createApp).
 */
export function registerWebhookBodyParsers(fastify: FastifyInstance, settings: Settings): void {
  const parse = (decode: (body: Buffer) => unknown) => (request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void) => {
    if (!isWebhookRoute(request)) return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(request.headers['content-type']));
    request.webhookBody = body;
    done(null, decode(body));
  };
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: settings.bodyLimitBytes }, parse(parseForm));
  fastify.addContentTypeParser('text/plain', { parseAs: 'buffer', bodyLimit: settings.bodyLimitBytes }, parse((body) => body.toString('utf8')));
}

/** Fastify server options that bound what one client can hold open. */
export const SERVER_LIMITS = {
  // Time to receive a whole request (headers and body) before the server answers 408: no slowloris.
  // It does not limit how long a response may take, so waiting for a run or an event stream is unaffected.
  requestTimeout: 60_000,
  // Path parameters longer than this are answered 414 (ids are UUIDs, table names at most 63 characters).
  routerOptions: { maxParamLength: 100 },
} as const;

/** The request headers the API reads and the response headers a browser client may need. */
const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'If-Match', 'Prefer', 'Idempotency-Key', 'X-Request-Id'];
const CORS_EXPOSED_HEADERS = ['ETag', 'Location', 'X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

const COMMON_HEADERS = {
  strictTransportSecurity: false as const, // the server speaks plain HTTP; HSTS belongs to the TLS proxy in front
  xFrameOptions: { action: 'deny' as const },
  referrerPolicy: { policy: 'no-referrer' as const },
};

/** API responses are data, never documents to render: nothing may load, nothing may frame them. */
const apiHeaders = helmet({
  ...COMMON_HEADERS,
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
});

/** Swagger UI at /docs: its own scripts and styles (it sets inline styles), its spec and Try it out on this origin. */
const docsHeaders = helmet({
  ...COMMON_HEADERS,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
    },
  },
});

/**
 * The web console (src/console): one bundled script and stylesheet from this origin, no inline script or style, API
 * calls and event streams to this origin only. React sets element styles through the DOM, which style-src allows.
 */
const consoleHeaders = helmet({
  ...COMMON_HEADERS,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
    },
  },
});

const isDocsPage = (url: string): boolean => /^\/docs(\/|$|\?)/.test(url);

/** Paths the server answers itself: the API, webhook deliveries, health and the API docs. Every other path is the console's. */
const SERVER_PATH = /^\/(?:api|health|docs(?:-json|-yaml)?)(?:[/?]|$)/;

export const isServerPath = (url: string): boolean => SERVER_PATH.test(url);

/** Security headers on a raw response; called for every request, and for errors raised before routing. */
export function applySecurityHeaders(request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '';
  const apply = isDocsPage(url) ? docsHeaders : isServerPath(url) ? apiHeaders : consoleHeaders;
  apply(request, response, () => undefined);
}

/**
 * The client a rate limit counts against: the API key (its hash, as stored) when a well-formed one is sent, else the
 * IP, so made-up tokens cannot buy fresh budgets.
 */
export function rateLimitKey(request: FastifyRequest): string {
  const bearer = bearerTokenOf(request.headers.authorization);
  return 'token' in bearer ? `key:${hashToken(bearer.token)}` : `ip:${request.ip}`;
}

/**
 * Hostile-input defences that live in Fastify rather than in Nest: security headers, CORS (off unless
 * CORS_ORIGINS), rate limiting and the depth-limited JSON body parser. Call before app.init().
 */
export async function registerHttpHardening(app: NestFastifyApplication, settings: Settings): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    applySecurityHeaders(request.raw, reply.raw);
    done();
  });

  if (settings.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: settings.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: 600,
    });
  }

  if (settings.rateLimitMax > 0) {
    const windowSeconds = Math.ceil(settings.rateLimitWindowMs / 1000);
    await app.register(rateLimit, {
      global: true,
      max: settings.rateLimitMax,
      timeWindow: settings.rateLimitWindowMs,
      keyGenerator: rateLimitKey,
      // Health checks come from load balancers and orchestrators every few seconds; throttling them would
      // report a healthy server as down. The check is cheap (two SELECT 1) and returns nothing sensitive.
      allowList: (request: FastifyRequest) => request.url === '/health' || request.url.startsWith('/health?'),
      enableDraftSpec: true,
      errorResponseBuilder: (_request: FastifyRequest, context: { max: number; ttl: number }) =>
        new RateLimitedError(context.max, `${windowSeconds} s`, Math.max(1, Math.ceil(context.ttl / 1000))),
    });
  }

  // Webhook deliveries have a limit of their own (the route's bodyLimit overrides the parsers').
  fastify.addHook('onRoute', (route) => {
    if (route.url === WEBHOOK_ROUTE) route.bodyLimit = settings.webhookMaxBytes;
  });

  const defaultJsonParser = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: settings.bodyLimitBytes }, (request, body, done) => {
    // Refused before parsing: the parser would build the whole document first. Otherwise Fastify's own
    // parser (secure-json-parse, proto and constructor poisoning refused) runs as before.
    if (isWebhookRoute(request)) request.webhookBody = body as unknown as Buffer;
    if (exceedsJsonDepth(body, settings.jsonMaxDepth)) done(new JsonTooDeepError(settings.jsonMaxDepth), undefined);
    else defaultJsonParser(request, body as unknown as string, done);
  });
}

/** For frameworkErrors: the reply of an error raised before the onRequest hooks still gets the headers. */
export function securityHeadersFor(request: FastifyRequest, reply: FastifyReply): void {
  applySecurityHeaders(request.raw, reply.raw);
}
