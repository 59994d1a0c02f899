import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { errorCodes } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, FieldError } from './domain-errors';
import { PROBLEM_TYPES, ProblemType } from './problem-types';

export interface ProblemBody {
  type: ProblemType;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const STATUS_TO_TYPE: Record<number, ProblemType> = {
  400: 'bad-request',
  404: 'not-found',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  429: 'rate-limited',
};

/**
 * Fastify's own client errors (body parsing, content type, limits). Nest re-throws them as plain
 * HttpExceptions without their code, so they are recognised by fastify's own messages.
 */
const FASTIFY_ERRORS: [keyof typeof errorCodes, ProblemType][] = [
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'unsupported-media-type'],
  ['FST_ERR_CTP_BODY_TOO_LARGE', 'payload-too-large'],
  ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'bad-request'],
  ['FST_ERR_CTP_EMPTY_JSON_BODY', 'malformed-json'],
  ['FST_ERR_CTP_INVALID_JSON_BODY', 'malformed-json'],
];
const FASTIFY_CODES = new Map<string, ProblemType>(FASTIFY_ERRORS);
const FASTIFY_MESSAGES = new Map<string, ProblemType>(
  FASTIFY_ERRORS.map(([code, type]) => [new (errorCodes[code] as new () => Error)().message, type]),
);

/** Maps any thrown value to a problem body; pure so the Fastify error handler can share it. */
export function toProblem(error: unknown): { problem: ProblemBody; location?: string; unexpected: boolean } {
  if (error instanceof DomainError) {
    const known = PROBLEM_TYPES[error.type];
    return {
      problem: {
        type: error.type,
        title: known.title,
        status: known.status,
        detail: error.message,
        ...(error.options.errors ? { errors: error.options.errors } : {}),
        ...(error.options.extensions ?? {}),
      },
      location: error.options.location,
      unexpected: false,
    };
  }
  const fastifyType = FASTIFY_CODES.get(String((error as { code?: unknown })?.code)) ?? (error instanceof HttpException ? FASTIFY_MESSAGES.get(messageOf(error)) : undefined);
  if (fastifyType) return simple(fastifyType, (error as Error).message);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const type = STATUS_TO_TYPE[status];
    if (type) return simple(type, messageOf(error));
    if (status < 500) {
      return {
        problem: { type: 'bad-request', title: error.name, status, detail: messageOf(error) },
        unexpected: false,
      };
    }
  }
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const type = STATUS_TO_TYPE[statusCode] ?? 'bad-request';
    return { problem: { type, title: PROBLEM_TYPES[type].title, status: statusCode, detail: (error as Error).message }, unexpected: false };
  }
  return { ...simple('internal-error', 'an unexpected error occurred; see the server log for this request id'), unexpected: true };
}

function simple(type: ProblemType, detail: string) {
  const known = PROBLEM_TYPES[type];
  return { problem: { type, title: known.title, status: known.status, detail }, unexpected: false };
}

function messageOf(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : error.message;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown, logger: Logger): void {
  const { problem, location, unexpected } = toProblem(error);
  if (problem.type === 'unsupported-media-type') {
    problem.detail = `Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')} is not supported; send application/json`;
  }
  problem.instance = request.url;
  problem.request_id = String(request.id);
  if (unexpected) {
    logger.error({ msg: 'unhandled error', reqId: request.id, err: error instanceof Error ? { message: error.message, stack: error.stack } : error });
  }
  if (location) void reply.header('location', location);
  // RFC 6750: a 401 names the scheme the client should use.
  if (problem.type === 'unauthorized') void reply.header('www-authenticate', 'Bearer realm="plugin-instance-framework"');
  void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
}

/**
 * The raw answer to a request the HTTP parser rejected before fastify saw it (control characters in a
 * header, headers too large, a malformed request line, a stalled request): the same problem+json as
 * every other error, instead of fastify's default body. There is no request, so no instance or id.
 */
export function clientErrorResponse(error: { code?: string }): string {
  const type: ProblemType = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request-timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? 'headers-too-large' : 'bad-request';
  const { problem } = simple(type, type === 'bad-request' ? 'the request is not valid HTTP (request line or headers)' : PROBLEM_TYPES[type].description);
  const body = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** The one place errors become HTTP: RFC 9457 problem+json for everything. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), error, this.logger);
  }
}

