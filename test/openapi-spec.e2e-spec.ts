import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROBLEM_TYPES } from '../src/common/problem-types';
import { OpenApi30Validator, pointerSegment } from './helpers/openapi-schema';

/** The committed spec is a product: every operation documented, every response typed, errors as problem+json. */
describe('openapi/openapi.json', () => {
  const spec = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'openapi', 'openapi.json'), 'utf8'));
  const operations = Object.entries(spec.paths as Record<string, Record<string, any>>).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${route}`, operation })),
  );

  it('documents the whole contract', () => {
    expect(operations.map((o) => o.operation.operationId).sort()).toEqual([
      'cancelExecution',
      'createApiKey',
      'createInstance',
      'createNotificationChannel',
      'createWebhook',
      'deleteInstance',
      'deleteNotificationChannel',
      'deliverWebhook',
      'diffInstanceVersions',
      'executeInstance',
      'getApiKey',
      'getDependencyGraph',
      'getExecution',
      'getExecutionStats',
      'getHealth',
      'getInstance',
      'getInstanceStats',
      'getInstanceVersion',
      'getNotificationChannel',
      'getProvisioningStatus',
      'getTemplate',
      'listApiKeys',
      'listDataTableRows',
      'listDataTables',
      'listExecutionLogs',
      'listInstanceExecutions',
      'listInstanceVersions',
      'listInstances',
      'listNotificationChannels',
      'listNotificationDeliveries',
      'listPluginLoadErrors',
      'listTemplates',
      'listUpcomingFires',
      'listWebhooks',
      'previewDraftSchedule',
      'previewInstanceSchedule',
      'reloadProvisioning',
      'revokeApiKey',
      'revokeWebhook',
      'rollbackInstance',
      'rotateWebhookSecret',
      'streamExecutionEvents',
      'streamInstanceRunEvents',
      'streamRunEvents',
      'testNotificationChannel',
      'updateInstance',
      'updateNotificationChannel',
      'validateTemplateConfig',
    ]);
  });

  it.each(operations.map((o) => [o.name, o.operation]))('%s has an id, tag, summary, description and typed responses', (_name, operation) => {
    expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
    expect(operation.tags).toHaveLength(1);
    expect(operation.summary.length).toBeGreaterThan(5);
    expect(operation.description.length).toBeGreaterThan(20);
    const statuses = Object.keys(operation.responses);
    expect(statuses.some((s) => s.startsWith('2'))).toBe(true);
    expect(statuses).toContain('500');
    for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
      expect(response.description).toBeTruthy();
      if (status === '204') continue;
      if (Number(status) >= 400) {
        const problem = response.content['application/problem+json'];
        expect(problem.schema.$ref).toBe('#/components/schemas/ProblemDto');
        for (const [slug, example] of Object.entries(problem.examples as Record<string, any>)) {
          expect(PROBLEM_TYPES[slug as keyof typeof PROBLEM_TYPES].status).toBe(Number(status));
          expect(example.value.type).toBe(slug);
        }
      } else {
        const media = response.content['application/json'] ?? response.content['text/event-stream'];
        expect(media.schema).toBeDefined();
      }
    }
  });

  /** Every JSON request body and 2xx JSON response of every operation, with the JSON Pointer of its media type. */
  const jsonBodies = Object.entries(spec.paths as Record<string, Record<string, any>>).flatMap(([route, methods]) =>
    Object.entries(methods).flatMap(([method, operation]) => {
      const at = `#/paths/${pointerSegment(route)}/${method}`;
      const bodies: { name: string; pointer: string; media: any }[] = [];
      const request = operation.requestBody?.content?.['application/json'];
      if (request) bodies.push({ name: `${operation.operationId} request body`, pointer: `${at}/requestBody/content/application~1json`, media: request });
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        const media = response.content?.['application/json'];
        if (status.startsWith('2') && media) bodies.push({ name: `${operation.operationId} ${status} response`, pointer: `${at}/responses/${status}/content/application~1json`, media });
      }
      return bodies;
    }),
  );

  it('gives every operation an example of each JSON request body and 2xx JSON response', () => {
    const operationsWithBodies = new Set(jsonBodies.map((body) => body.name.split(' ')[0]));
    // Every operation but the four 204 deletes (instance, key, webhook, notification channel) and the three event streams (each with its own text example) has a JSON body.
    expect(operationsWithBodies.size).toBe(operations.length - 7);
    const missing = jsonBodies.filter(({ media }) => media.example === undefined && Object.keys(media.examples ?? {}).length === 0).map((body) => body.name);
    expect(missing).toEqual([]);
  });

  it('has examples that validate against their own schemas (strict OpenAPI 3.0.3), request, response and problem alike', () => {
    const validator = new OpenApi30Validator(spec);
    const checked: string[] = [];
    const invalid: { example: string; errors: unknown[] }[] = [];
    for (const [route, methods] of Object.entries(spec.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        const at = `#/paths/${pointerSegment(route)}/${method}`;
        const media = [
          ...Object.entries(operation.requestBody?.content ?? {}).map(([type, content]) => [`${at}/requestBody/content/${pointerSegment(type)}`, `${operation.operationId} request ${type}`, content] as const),
          ...Object.entries(operation.responses as Record<string, any>).flatMap(([status, response]) =>
            Object.entries(response.content ?? {}).map(([type, content]) => [`${at}/responses/${status}/content/${pointerSegment(type)}`, `${operation.operationId} ${status} ${type}`, content] as const),
          ),
        ];
        for (const [pointer, name, content] of media as [string, string, any][]) {
          if (!/json$/.test(pointer)) continue;
          const examples: [string, unknown][] = Object.entries(content.examples ?? {}).map(([key, example]) => [`${name} "${key}"`, (example as { value: unknown }).value]);
          if (content.example !== undefined) examples.push([`${name} example`, content.example]);
          for (const [example, value] of examples) {
            checked.push(example);
            const errors = validator.errors(`${pointer}/schema`, value);
            if (errors.length > 0) invalid.push({ example, errors });
          }
        }
      }
    }
    expect(invalid).toEqual([]);
    expect(checked.length).toBeGreaterThan(jsonBodies.length);
  });

  it('is written with sorted keys', () => {
    const check = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(check);
      if (value && typeof value === 'object') {
        const keys = Object.keys(value);
        expect(keys).toEqual([...keys].sort());
        Object.values(value).forEach(check);
      }
    };
    check(spec);
  });

  it('points every $ref at a schema that exists', () => {
    const refs: string[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(collect);
      if (value && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) {
          if (key === '$ref') refs.push(child as string);
          else collect(child);
        }
      }
    };
    collect(spec);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z]+$/);
      expect(spec.components.schemas[ref.split('/').pop()!]).toBeDefined();
    }
  });

  it('is OpenAPI 3.0.3 and writes `nullable` only where 3.0.3 honours it: beside a type of its own', () => {
    expect(spec.openapi).toBe('3.0.3');
    const misplaced: string[] = [];
    const check = (value: unknown, at: string): void => {
      if (Array.isArray(value)) return value.forEach((item, index) => check(item, `${at}/${index}`));
      if (!value || typeof value !== 'object') return;
      const node = value as Record<string, unknown>;
      if (node.nullable === true) {
        const composed = ['allOf', 'anyOf', 'oneOf', '$ref'].filter((key) => key in node);
        if (typeof node.type !== 'string' || composed.length > 0) misplaced.push(`${at}: nullable beside ${composed.join(', ') || 'no type'}`);
        if (Array.isArray(node.enum) && !node.enum.includes(null)) misplaced.push(`${at}: nullable enum without null`);
      }
      for (const [key, child] of Object.entries(node)) check(child, `${at}/${key}`);
    };
    check(spec, '#');
    expect(misplaced).toEqual([]);
  });

  it('lets a strict validator accept null for every nullable object: Execution.error and Execution.progress', () => {
    const validator = new OpenApi30Validator(spec);
    const execution = '#/components/schemas/ExecutionDto/properties';
    expect(validator.errors(`${execution}/error`, null)).toEqual([]);
    expect(validator.errors(`${execution}/error`, { type: 'handler_error', message: 'boom' })).toEqual([]);
    expect(validator.errors(`${execution}/error`, { message: 'no type' })).not.toEqual([]);
    expect(validator.errors(`${execution}/progress`, null)).toEqual([]);
    expect(validator.errors(`${execution}/progress`, { current: 5, total: 10 })).toEqual([]);
    // The validator reads 3.0.3 strictly: nullable beside allOf does not admit null (the form this spec used to have).
    const old = new OpenApi30Validator({
      openapi: '3.0.3',
      components: { schemas: { Thing: { type: 'object', required: ['a'], properties: { a: { type: 'string' } } }, Holder: { type: 'object', nullable: true, allOf: [{ $ref: '#/components/schemas/Thing' }] } } },
    } as never);
    expect(old.errors('#/components/schemas/Holder', null)).not.toEqual([]);
  });

  it("declares the problem's extension members, so generated clients type them (current_etag of a 412)", () => {
    const problem = spec.components.schemas.ProblemDto;
    expect(problem.properties.current_etag).toMatchObject({ type: 'string', description: expect.stringContaining('precondition-failed'), example: '"4"' });
    expect(problem.required).not.toContain('current_etag');
    const stale = spec.paths['/api/plugins/instances/{id}'].put.responses['412'].content['application/problem+json'].examples['precondition-failed'].value;
    expect(stale).toMatchObject({ type: 'precondition-failed', status: 412, current_etag: '"4"' });
  });

  it('names its enums', () => {
    for (const name of ['InstanceStatus', 'ExecutionStatus', 'TemplateCategory', 'ProblemType', 'ColumnType', 'ApiKeyState']) {
      expect(spec.components.schemas[name].enum.length).toBeGreaterThan(1);
    }
  });
});
