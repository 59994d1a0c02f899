import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * An HTTP receiver for notification tests, on 127.0.0.1 only: answers the statuses it is given in turn (then 200).
 * `hold()` keeps the next request unanswered (its body still recorded), to stop a sender mid-delivery.
 */
export class NotificationReceiver {
  readonly received: ReceivedRequest[] = [];
  statuses: number[] = [];
  private holding = false;
  private readonly held: http.ServerResponse[] = [];
  private server: http.Server | null = null;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (this.holding) this.held.push(response);
        else response.writeHead(this.statuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Leave requests unanswered from now on. */
  hold(): void {
    this.holding = true;
  }

  async stop(): Promise<void> {
    for (const response of this.held.splice(0)) response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  at(path: string): ReceivedRequest[] {
    return this.received.filter((r) => r.path === path);
  }
}

/** Polls `read` until it answers something truthy, or fails naming `what`. */
export async function waitFor<T>(what: string, read: () => Promise<T | undefined | false> | T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}
