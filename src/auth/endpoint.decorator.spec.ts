import 'reflect-metadata';
import { Param } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { DECORATORS } from '@nestjs/swagger';
import { ExecutionIdParam, UuidParam } from '../common/path-params.dto';
import { ACCESS_RULE } from './access.decorators';
import { Endpoint, EndpointOptions, JsonSuccess } from './endpoint.decorator';

class ThingDto {
  id!: string;
}

const base: EndpointOptions = {
  operationId: 'getThing',
  summary: 'Get a thing',
  description: 'One thing.',
  scope: 'read',
  ok: { status: 200, type: ThingDto, description: 'The thing.', examples: { one: { summary: 'A thing', value: { id: 'x' } } } },
  problems: ['instance-not-found'],
};

/** Decorates a fresh handler and returns it (for its metadata). */
function decorate(options: EndpointOptions, paramType?: new () => object): (...args: unknown[]) => unknown {
  class Controller {
    handle(_param?: unknown): void {}
  }
  const descriptor = Object.getOwnPropertyDescriptor(Controller.prototype, 'handle')!;
  if (paramType) {
    Reflect.defineMetadata('design:paramtypes', [paramType], Controller.prototype, 'handle');
    Param()(Controller.prototype, 'handle', 0);
  }
  Endpoint(options)(Controller.prototype, 'handle', descriptor);
  return descriptor.value as (...args: unknown[]) => unknown;
}

const operationOf = (handler: object) => Reflect.getMetadata(DECORATORS.API_OPERATION, handler) as { operationId: string; summary: string; description: string };
const responsesOf = (handler: object) => Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) as Record<string, { description: string }>;

describe('@Endpoint', () => {
  it('appends the scope sentence to its own description (nothing read back from other decorators)', () => {
    expect(operationOf(decorate(base)).description).toBe('One thing.\n\nRequires an API key with the `read` scope (or `admin`).');
    expect(operationOf(decorate({ ...base, scope: 'admin' })).description).toBe('One thing.\n\nRequires an API key with the `admin` scope.');
  });

  it('sets the access rule, bearer security and 401/403 for a scope; none of them for public', () => {
    const scoped = decorate(base);
    expect(Reflect.getMetadata(ACCESS_RULE, scoped)).toBe('read');
    expect(Reflect.getMetadata(DECORATORS.API_SECURITY, scoped)).toEqual([{ bearer: [] }]);
    expect(Object.keys(responsesOf(scoped)).sort()).toEqual(['200', '401', '403', '404', '429', '500']);

    const open = decorate({ ...base, scope: 'public', rateLimited: false, problems: ['service-unavailable'] });
    expect(Reflect.getMetadata(ACCESS_RULE, open)).toBe('public');
    expect(Reflect.getMetadata(DECORATORS.API_SECURITY, open)).toBeUndefined();
    expect(operationOf(open).description).toBe('One thing.');
    expect(Object.keys(responsesOf(open)).sort()).toEqual(['200', '500', '503']);
  });

  it('answers with the first success status by default', () => {
    expect(Reflect.getMetadata(HTTP_CODE_METADATA, decorate({ ...base, ok: { status: 204, description: 'Deleted.' } }))).toBe(204);
    const both = decorate({ ...base, ok: [base.ok as JsonSuccess, { status: 202, type: ThingDto, description: 'Queued.', examples: {} }] });
    expect(Reflect.getMetadata(HTTP_CODE_METADATA, both)).toBe(200);
    expect(Object.keys(responsesOf(both))).toEqual(expect.arrayContaining(['200', '202']));
  });

  it('documents 400 validation-failed for a handler that takes a validated path DTO', () => {
    expect(responsesOf(decorate(base, UuidParam))['400'].description).toMatch(/^`validation-failed`/);
    expect(responsesOf(decorate(base, ExecutionIdParam))['400'].description).toMatch(/^`validation-failed`/);
    expect(responsesOf(decorate(base))['400']).toBeUndefined();
    // Listed already: not twice.
    const listed = responsesOf(decorate({ ...base, problems: ['validation-failed', 'config-invalid'] }, UuidParam))['400'].description;
    expect(listed.match(/validation-failed/g)).toHaveLength(1);
    expect(listed.indexOf('validation-failed')).toBeLessThan(listed.indexOf('config-invalid'));
  });

  it.each<[string, Partial<EndpointOptions>, RegExp]>([
    ['an empty summary', { summary: ' ' }, /summary is empty/],
    ['an empty description', { description: '' }, /description is empty/],
    ['a hand-written scope sentence', { description: 'One thing.\n\nRequires an API key with the `read` scope (or `admin`).' }, /scope sentence/],
    ['an operationId that is not lowerCamelCase', { operationId: 'Get-Thing' }, /lowerCamelCase/],
    ['two success responses with one status', { ok: [{ status: 204, description: 'a' }, { status: 204, description: 'b' }] }, /share a status/],
    ['a problem @Endpoint adds itself', { problems: ['unauthorized' as never] }, /added by @Endpoint/],
    ['a problem listed twice', { problems: ['instance-not-found', 'instance-not-found'] }, /listed twice/],
    ['a success response without a description', { ok: { status: 204, description: '' } }, /no description/],
  ])('refuses %s when the class loads', (_label, change, message) => {
    expect(() => decorate({ ...base, ...change } as EndpointOptions)).toThrow(message);
  });

  it('refuses a second @Endpoint on one handler', () => {
    class Controller {
      handle(): void {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(Controller.prototype, 'handle')!;
    Endpoint(base)(Controller.prototype, 'handle', descriptor);
    expect(() => Endpoint(base)(Controller.prototype, 'handle', descriptor)).toThrow(/Controller\.handle: applied twice/);
  });
});
