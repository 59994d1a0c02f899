import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** One request as the fake API saw it. */
export interface FakeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Milliseconds since the server started, to measure waits between attempts. */
  at: number;
}

export type FakeHandler = (request: FakeRequest, response: ServerResponse) => void | Promise<void>;

/** Answers with a JSON body (and any extra headers). */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/**
 * A tiny HTTP API on 127.0.0.1 (port chosen by the OS) for tests: register a handler per method and
 * path, then inspect the requests it received. Unknown routes answer 404.
 */
export class FakeApiServer {
  private readonly routes = new Map<string, FakeHandler>();
  private readonly received: FakeRequest[] = [];
  private readonly startedAt = Date.now();
  private connectionCount = 0;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeApiServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new FakeApiServer(server, `http://127.0.0.1:${port}`);
    // Nobody knows the port before listen() returns, so no request can arrive before this handler.
    server.on('connection', () => fake.connectionCount++);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => void fake.handle(request, response));
    return fake;
  }

  /** An absolute URL on this server. */
  url(pathAndQuery: string): string {
    return `${this.baseUrl}${pathAndQuery}`;
  }

  on(method: string, path: string, handler: FakeHandler): this {
    this.routes.set(`${method.toUpperCase()} ${path}`, handler);
    return this;
  }

  /** TCP connections accepted so far: 0 proves a refused client never reached this server. */
  get connections(): number {
    return this.connectionCount;
  }

  /** Requests received so far, optionally only those to `path`. */
  requests(path?: string): FakeRequest[] {
    return this.received.filter((request) => path === undefined || request.path === path);
  }

  /** Stops listening and drops open connections (handlers that never answer included). */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const url = new URL(incoming.url ?? '/', this.baseUrl);
    const request: FakeRequest = {
      method: incoming.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now() - this.startedAt,
    };
    this.received.push(request);
    const handler = this.routes.get(`${request.method} ${request.path}`);
    try {
      if (handler) await handler(request, response);
      else sendJson(response, 404, { error: `no route for ${request.method} ${request.path}` });
    } catch (error) {
      if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message });
      else response.destroy();
    }
  }
}
