import * as fs from 'node:fs';
import * as path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isServerPath } from '../common/http-hardening';

/**
 * Where `npm run build` puts the console (vite's outDir): `dist/web` of the project. Resolved from this file, not the
 * working directory, so `npm start`, the built server run from elsewhere and ts-jest (which runs src/ itself) all find it.
 */
export const DEFAULT_CONSOLE_ROOT = path.extname(__filename) === '.js' ? path.resolve(__dirname, '..', '..', 'web') : path.resolve(__dirname, '..', '..', 'dist', 'web');

/** Hashed file names (vite's assets/): they never change, so browsers may keep them for a year. */
const ASSETS_PREFIX = '/assets/';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body><main><h1>The console is not built</h1>
<p>This server has no built console to serve. Run <code>npm run build</code> (or <code>npm start</code>, which builds first) in the project folder, then reload this page.</p>
<p>The API is unaffected: it is under <code>/api</code>, with Swagger UI at <a href="/docs">/docs</a>.</p></main></body></html>
`;

function acceptsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/.test(String(request.headers.accept ?? ''));
}

/** The file under root that a URL path names, or null when there is none (or the path tries to leave root). */
function fileUnder(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.split('/').some((segment) => segment.startsWith('.'))) return null;
  const file = path.resolve(root, `.${decoded}`);
  if (!file.startsWith(root + path.sep)) return null;
  try {
    return fs.statSync(file).isFile() ? path.relative(root, file) : null;
  } catch {
    return null;
  }
}

/**
 * Serves the web console at `/`: its files from `root` (hashed assets cached for good, everything else revalidated),
 * and index.html for any other GET that asks for HTML, so the console's own routes (`/instances/<id>`) survive a
 * reload. API, health and docs paths are left alone: an unknown one still gets the 404 problem. Call before app.init().
 *
 * It answers in an onRequest hook, and only requests no route matched, rather than from a catch-all route: a `/*`
 * route would become the router's fallback for every path, so an API path with an over-long id would reach it
 * instead of getting its 414.
 */
export async function registerConsole(app: NestFastifyApplication, root: string = DEFAULT_CONSOLE_ROOT): Promise<void> {
  // serve: false: only reply.sendFile (path checks, ETag, ranges, pre-compressed .br/.gz); the hook decides what to send.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true, index: false, dotfiles: 'deny', suppressWarning: true });
  const fastify = app.getHttpAdapter().getInstance();
  const index = path.join(root, 'index.html');
  if (!fs.existsSync(index)) fastify.log.warn(`the web console is not built (no ${index}): run npm run build to serve it at /`);

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!request.is404 || (request.method !== 'GET' && request.method !== 'HEAD')) return done();
    const pathname = request.url.split('?')[0];
    if (isServerPath(pathname)) return done();
    if (!fs.existsSync(index)) {
      void reply.code(404).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
      return;
    }
    const file = pathname === '/' ? null : fileUnder(root, pathname);
    if (file !== null && file !== 'index.html') {
      void (pathname.startsWith(ASSETS_PREFIX) ? reply.sendFile(file, { immutable: true, maxAge: '365d' }) : reply.sendFile(file, { maxAge: 0 }));
      return;
    }
    // A missing script or stylesheet stays a 404: answering it with HTML would only hide the mistake.
    if (pathname !== '/' && (pathname.startsWith(ASSETS_PREFIX) || !acceptsHtml(request))) return done();
    // no-cache: a new build's index.html (with new asset names) is picked up at the next load.
    void reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  });
}
