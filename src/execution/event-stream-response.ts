import type { FastifyReply, FastifyRequest } from 'fastify';

/** How long EventSource waits before reconnecting (its own default is about 3 s). */
export const SSE_RETRY_MS = 1000;
export const SSE_KEEP_ALIVE_MS = 15_000;

/** One event on the wire; JSON keeps the data on one line. `id` null: an event without one. */
export const serverSentEvent = (id: string | null, event: string, data: unknown): string => `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Answers with a text/event-stream of `items` (each written as `format` says): `retry:` first, a `: keep-alive`
 * comment every SSE_KEEP_ALIVE_MS, and the end of the response once the items end (the producer ends them when the
 * client goes away or the server shuts down). Call once every check that may answer a problem has passed.
 */
export async function writeEventStream<T>(request: FastifyRequest, reply: FastifyReply, items: AsyncIterable<T>, format: (item: T) => string): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  // No Connection header of our own: node keeps the connection open unless the client asked to close it.
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': String(request.id) });
  raw.write(`retry: ${SSE_RETRY_MS}\n\n`);
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), SSE_KEEP_ALIVE_MS);
  try {
    for await (const item of items) raw.write(format(item));
  } finally {
    clearInterval(heartbeat);
    raw.end();
  }
}
