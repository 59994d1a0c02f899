import { classifyResult } from './run-outcome';

describe('classifyResult', () => {
  it('treats a JSON object as success and undefined as an empty result', () => {
    expect(classifyResult({ rows: 3, status: 'ok' })).toEqual({ status: 'succeeded', result: { rows: 3, status: 'ok' }, error: null });
    expect(classifyResult(undefined)).toEqual({ status: 'succeeded', result: {}, error: null });
  });

  it("treats the seed's soft error as a failure, keeping the result", () => {
    expect(classifyResult({ status: 'error', error: 'disk full' })).toEqual({
      status: 'failed',
      result: { status: 'error', error: 'disk full' },
      error: { type: 'handler_error', message: 'disk full' },
    });
    expect(classifyResult({ status: 'error' }).error?.message).toBe('handler reported status "error"');
  });

  it('refuses non-objects and unserialisable values', () => {
    expect(classifyResult([1]).error).toEqual({ type: 'invalid_result', message: 'handler returned an array; expected a JSON object' });
    expect(classifyResult('done').status).toBe('failed');
    expect(classifyResult({ big: BigInt(1) }).error?.type).toBe('invalid_result');
  });

  it('stores what JSON keeps (dates as strings, undefined dropped)', () => {
    const result = classifyResult({ at: new Date(0), gone: undefined });
    expect(result.result).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });
});
