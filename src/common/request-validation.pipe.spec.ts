import { CreateInstanceDto } from '../instances/dto/instance-requests.dto';
import { ValidationFailedError } from './domain-errors';
import { ExecutionIdParam, UuidParam } from './path-params.dto';
import { MAX_REQUEST_DEPTH, RequestValidationPipe, structuralProblems } from './request-validation.pipe';

describe('structuralProblems', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = { a: value };
    return value;
  };

  it('passes ordinary values, arrays included', () => {
    expect(structuralProblems({ name: 'x', config: { list: [{ a: 1 }, [2]], text: 'toString' } })).toEqual([]);
    expect(structuralProblems(nested(MAX_REQUEST_DEPTH))).toEqual([]);
  });

  it('refuses nesting beyond the limit without recursing (100,000 levels)', () => {
    expect(structuralProblems(nested(MAX_REQUEST_DEPTH + 1))).toEqual([{ path: `/a`.repeat(MAX_REQUEST_DEPTH), message: `nests deeper than ${MAX_REQUEST_DEPTH} levels` }]);
    let arrays: unknown = [];
    for (let i = 0; i < 100_000; i++) arrays = [arrays];
    expect(structuralProblems({ name: arrays })).toHaveLength(1);
  });

  it('refuses the keys the pipeline would silently drop, at any depth, as JSON Pointers', () => {
    const body = JSON.parse('{"constructor":1,"config":{"toString":"x","a/b":{"prototype":2,"__proto__":3}}}');
    expect(structuralProblems(body).map((p) => p.path).sort()).toEqual(['/config/a~1b/__proto__', '/config/a~1b/prototype', '/config/toString', '/constructor']);
  });
});

describe('RequestValidationPipe', () => {
  const pipe = new RequestValidationPipe();
  const body = { type: 'body' as const, metatype: CreateInstanceDto };

  it('keeps a config key that class-transformer would drop from being stored without it', async () => {
    await expect(pipe.transform(JSON.parse('{"template_id":"t","name":"n","config":{"valueOf":1}}'), body)).rejects.toBeInstanceOf(ValidationFailedError);
  });

  it('refuses lone surrogates and NUL in string fields', async () => {
    await expect(pipe.transform({ template_id: 't', name: 'x\ud800' }, body)).rejects.toMatchObject({ options: { errors: [{ path: '/name' }] } });
    await expect(pipe.transform({ template_id: 'a\u0000b', name: 'n' }, body)).rejects.toMatchObject({ options: { errors: [{ path: '/template_id' }] } });
    await expect(pipe.transform({ template_id: 't', name: 'ok \u{1F600}\u202e' }, body)).resolves.toMatchObject({ name: 'ok \u{1F600}\u202e' });
  });
});

describe('RequestValidationPipe on path parameters', () => {
  const pipe = new RequestValidationPipe();

  it('refuses NUL in a path parameter and passes other strings as they are', async () => {
    await expect(pipe.transform('x\u0000y', { type: 'param', data: 'id', metatype: String })).rejects.toMatchObject({ options: { errors: [{ path: '/id' }] } });
    await expect(pipe.transform('..%2f \u202e', { type: 'param', data: 'id', metatype: String })).resolves.toBe('..%2f \u202e');
  });

  it('takes a well-formed uuid path DTO on the short path, and leaves every other shape to the full check and its wording', async () => {
    const id = '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15';
    const taken = await pipe.transform({ id }, { type: 'param', metatype: UuidParam });
    expect(taken).toBeInstanceOf(UuidParam);
    expect(taken).toEqual({ id });
    expect(await pipe.transform({ execution_id: id.toUpperCase() }, { type: 'param', metatype: ExecutionIdParam })).toBeInstanceOf(ExecutionIdParam);
    for (const params of [{ id: `${id}x` }, { id: 'not-a-uuid' }, { id, extra: '1' }, { execution_id: id }, { id: `${id}\u0000` }]) {
      await expect(pipe.transform(params, { type: 'param', metatype: UuidParam })).rejects.toBeInstanceOf(ValidationFailedError);
    }
    await expect(pipe.transform({ id: 'nope' }, { type: 'param', metatype: UuidParam })).rejects.toMatchObject({ options: { errors: [{ path: '/id', message: 'id must be a uuid' }] } });
  });
});
