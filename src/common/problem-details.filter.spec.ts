import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ConflictError } from './domain-errors';
import { toProblem } from './problem-details.filter';

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
