import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ConflictError } from './domain-errors';
import { clientErrorResponse, toProblem } from './problem-details.filter';

describe('toProblem', () => {
  it('maps domain errors with their extensions and location', () => {
    const { problem, location, unexpected } = toProblem(
      new ConflictError('execution-in-progress', 'busy', { extensions: { execution_id: 'e1' }, location: '/api/plugins/executions/e1' }),
    );
    expect(problem).toEqual({ type: 'execution-in-progress', title: 'Instance is already running', status: 409, detail: 'busy', execution_id: 'e1' });
    expect(location).toBe('/api/plugins/executions/e1');
    expect(unexpected).toBe(false);
  });

  it('maps HTTP exceptions by status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x')).problem).toMatchObject({ type: 'not-found', status: 404, detail: 'Cannot GET /x' });
    expect(toProblem(new BadRequestException('odd')).problem).toMatchObject({ type: 'bad-request', status: 400 });
    expect(toProblem(new HttpException('teapot', 418)).problem).toMatchObject({ status: 418 });
  });

  it('hides unexpected errors behind a 500 without their message', () => {
    const { problem, unexpected } = toProblem(new Error('SQLITE_CORRUPT: secret path /var/x'));
    expect(problem).toMatchObject({ type: 'internal-error', status: 500 });
    expect(problem.detail).not.toContain('secret');
    expect(unexpected).toBe(true);
  });
});

describe('clientErrorResponse', () => {
  const parse = (raw: string) => {
    const [head, body] = raw.split('\r\n\r\n');
    return { head, body: JSON.parse(body), length: Number(/Content-Length: (\d+)/.exec(head)![1]), bytes: Buffer.byteLength(body) };
  };

  it('answers parser errors with problem+json: 400, 431 for oversized headers, 408 for a stalled request', () => {
    for (const [code, status, type] of [
      ['HPE_INVALID_HEADER_TOKEN', 400, 'bad-request'],
      ['HPE_HEADER_OVERFLOW', 431, 'headers-too-large'],
      ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request-timeout'],
    ] as const) {
      const response = parse(clientErrorResponse({ code }));
      expect(response.head).toMatch(new RegExp(`^HTTP/1.1 ${status} .*\\r\\nContent-Type: application/problem\\+json`));
      expect(response.body).toMatchObject({ type, status });
      expect(response.length).toBe(response.bytes);
    }
  });
});
