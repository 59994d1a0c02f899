import { ApiError, nextStep, problemFromResponse, unreachable } from './problem';

describe('ApiError: an API problem as the console shows it', () => {
  it('reads a problem+json body: title, detail, field errors and extension members', () => {
    const error = problemFromResponse(400, 'Bad Request', {
      type: 'config-invalid',
      title: 'Config is not valid for the template',
      status: 400,
      detail: "config is not valid for template 'table_loader'",
      errors: [{ path: '/config/table_name', message: 'must match pattern' }, { nonsense: true }],
      request_id: 'abc',
    });
    expect(error).toBeInstanceOf(ApiError);
    expect({ status: error.status, type: error.type, title: error.title, detail: error.detail, errors: error.errors }).toEqual({
      status: 400,
      type: 'config-invalid',
      title: 'Config is not valid for the template',
      detail: "config is not valid for template 'table_loader'",
      errors: [{ path: '/config/table_name', message: 'must match pattern' }],
    });
    expect(error.extension('request_id')).toBe('abc');
    expect(error.needsKey).toBe(false);
  });

  it("reads a 412's typed current_etag as the version the instance is at now", () => {
    const stale = problemFromResponse(412, 'Precondition Failed', { type: 'precondition-failed', title: 'Precondition failed', status: 412, detail: 'If-Match does not match the current ETag "4"', current_etag: '"4"' });
    expect(stale.problem.current_etag).toBe('"4"');
    expect(stale.currentVersion).toBe(4);
    expect(problemFromResponse(412, 'Precondition Failed', { type: 'precondition-failed', current_etag: 'garbage' }).currentVersion).toBeUndefined();
    expect(problemFromResponse(404, 'Not Found', { type: 'instance-not-found' }).currentVersion).toBeUndefined();
  });

  it('makes do with a body that is not a problem (a proxy error page)', () => {
    const error = problemFromResponse(502, 'Bad Gateway', '<html>upstream down</html>');
    expect({ status: error.status, title: error.title, detail: error.detail }).toEqual({ status: 502, title: 'Bad Gateway', detail: '<html>upstream down</html>' });
  });

  it('says what to do next: a key for 401 and 403 (naming the scope), the server for no answer, patience for 429', () => {
    expect(nextStep(problemFromResponse(401, '', { type: 'unauthorized', title: 'Unauthorized', detail: 'no key' }))).toMatch(/API key box/);
    expect(nextStep(problemFromResponse(403, '', { type: 'forbidden', title: 'Forbidden', detail: 'x', required_scope: 'write' }))).toBe("Enter an API key with the 'write' scope in the API key box.");
    expect(problemFromResponse(403, '', { type: 'forbidden', title: 'Forbidden', detail: 'x' }).needsKey).toBe(true);
    expect(nextStep(unreachable(new TypeError('Failed to fetch')))).toMatch(/server is running/);
    expect(nextStep(problemFromResponse(429, '', { type: 'rate-limited', title: 'Too many', detail: '' }))).toMatch(/wait/);
    expect(nextStep(problemFromResponse(404, '', { type: 'instance-not-found', title: 'Not found', detail: 'x' }))).toBeUndefined();
  });
});
