import { Agent, fetch } from 'undici';

/** One event of a text/event-stream: its own `id:` line (null when it had none), its type and its JSON data. */
export interface ServerSentEvent {
  id: string | null;
  event: string;
  data: any;
}

/**
 * A text/event-stream read over fetch, event by event, parsed as the WHATWG spec says (fields, comments,
 * CRLF or LF); `close()` drops the connection as a client that goes away would. Each stream has a connection pool
 * of its own, closed with it: a shared pool may open a spare connection after an abort, which no request ever uses
 * and which then holds the server's shutdown up (an idle connection that never served a request is not closed).
 */
export class SseStream {
  /** The last `retry:` value the server sent. */
  retry: number | null = null;
  /** Comment lines seen (`: keep-alive`). */
  comments: string[] = [];
  private buffer = '';
  private ended = false;
  private readonly decoder = new TextDecoder();

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array> | null,
    private readonly controller: AbortController,
    private readonly agent: Agent,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const controller = new AbortController();
    const agent = new Agent();
    const response = await fetch(url, { headers, signal: controller.signal, dispatcher: agent });
    return new SseStream(response.status, response.headers as Headers, (response.body?.getReader() ?? null) as ReadableStreamDefaultReader<Uint8Array> | null, controller, agent);
  }

  /** The next event, or null once the server has ended the stream. */
  async next(timeoutMs = 10_000): Promise<ServerSentEvent | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.parseOne();
      if (event) return event;
      if (this.ended || !this.reader) return null;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms; unparsed: ${JSON.stringify(this.buffer)}`)), Math.max(0, deadline - Date.now()));
      });
      const chunk = await Promise.race([this.reader.read(), timedOut]).finally(() => clearTimeout(timer));
      if (chunk.done) this.ended = true;
      else this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  /** Every event until the server ends the stream. */
  async rest(): Promise<ServerSentEvent[]> {
    const events: ServerSentEvent[] = [];
    for (let event = await this.next(); event; event = await this.next()) events.push(event);
    return events;
  }

  close(): void {
    this.controller.abort();
    void this.agent.destroy().catch(() => undefined);
  }

  /** Takes one dispatched event off the buffer; blocks without data (retry, comments) are consumed on the way. */
  private parseOne(): ServerSentEvent | null {
    for (;;) {
      const match = /\r\n\r\n|\n\n|\r\r/.exec(this.buffer);
      if (!match) return null;
      const block = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r\n|\n|\r/)) {
        if (line.startsWith(':')) {
          this.comments.push(line);
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
      }
      if (data.length > 0) return { id, event, data: JSON.parse(data.join('\n')) };
    }
  }
}

/** `status:running`, `progress:2`, `resync:expired`: an event in a form easy to compare. */
export const kindOf = (event: ServerSentEvent): string =>
  event.event === 'status' ? `status:${event.data.status}` : event.event === 'progress' ? `progress:${event.data.current}` : `${event.event}:${event.data.reason}`;
