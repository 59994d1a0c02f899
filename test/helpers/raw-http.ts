import * as net from 'node:net';

export interface RawRequest {
  method: string;
  /** Sent exactly as given: may hold percent-escapes, raw unicode or anything else a client can put on the wire. */
  path: string;
  /** Header values go out byte for byte (latin1), so control characters and obs-text reach the server as sent. */
  headers: [string, string][];
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * One request over a fresh loopback socket, written by hand: fetch and node:http refuse to send
 * the malformed headers and paths a fuzzer needs. It resolves once the whole answer has arrived (for an event
 * stream, its head and what came with it), or with `untilClosed` only when the server closes the connection
 * (a timeout if it never does).
 */
export function rawRequest(port: number, request: RawRequest, options: { timeoutMs?: number; untilClosed?: boolean } = {}): Promise<RawResponse> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    const settle = (outcome: () => RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        resolve(outcome());
      } catch (error) {
        reject(error as Error);
      }
      socket.destroy();
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      // A complete answer counts even if the server keeps the connection open (an event stream may).
      const response = options.untilClosed ? null : completeResponse(Buffer.concat(chunks));
      if (response) settle(() => response);
    });
    socket.on('error', (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => settle(() => parseResponse(Buffer.concat(chunks))));
    const head = [`${request.method} ${request.path} HTTP/1.1`, `host: 127.0.0.1:${port}`, 'connection: close'];
    for (const [name, value] of request.headers) head.push(`${name}: ${value}`);
    if (request.body !== undefined) head.push(`content-length: ${request.body.length}`);
    socket.write(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'));
    if (request.body !== undefined) socket.write(request.body);
    // The server may answer (413) and close before the whole body is written: that is still an answer.
    socket.on('error', () => undefined);
  });
}

/** The response once all of it has arrived (by content-length or the last chunk), else null. */
function completeResponse(raw: Buffer): RawResponse | null {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = raw.subarray(0, end).toString('latin1');
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return raw.length - end - 4 >= Number(length[1]) ? parseResponse(raw) : null;
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head) && raw.subarray(end + 2).includes('\r\n0\r\n\r\n')) return parseResponse(raw);
  if (/^HTTP\/1\.[01] (204|304)/.test(head)) return parseResponse(raw);
  // An event stream stays open as long as the client does: once its head is there, that is the answer.
  if (/^HTTP\/1\.[01] 200/.test(head) && /\r\ncontent-type:\s*text\/event-stream/i.test(head)) return parseResponse(raw);
  return null;
}

function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`the server closed the connection without an HTTP answer (${raw.length} bytes: ${JSON.stringify(raw.toString('latin1').slice(0, 200))})`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!status) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status, headers, text: body.toString('utf8') };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
