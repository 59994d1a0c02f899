import * as fs from 'node:fs';
import * as path from 'node:path';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource, QueryRunner, ReplicationMode } from 'typeorm';
import { READER_CONNECTION } from '../src/database/database.options';
import { expectProblem, TestApp } from './helpers/test-app';

/**
 * Path ids that are uuids go through UuidParam / ExecutionIdParam: a malformed one is a 400
 * validation-failed naming the parameter, answered before the database is asked anything; a
 * well-formed id that names nothing is still the 404 it always was.
 */
interface UuidRoute {
  operationId: string;
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** The path template as the spec writes it. */
  template: string;
  param: 'id' | 'execution_id' | 'webhook_id';
  notFound: string;
  body?: unknown;
}

const UUID_ROUTES: UuidRoute[] = [
  { operationId: 'getInstance', method: 'GET', template: '/api/plugins/instances/{id}', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'updateInstance', method: 'PUT', template: '/api/plugins/instances/{id}', param: 'id', notFound: 'instance-not-found', body: { name: 'Renamed' } },
  { operationId: 'deleteInstance', method: 'DELETE', template: '/api/plugins/instances/{id}', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'executeInstance', method: 'POST', template: '/api/plugins/instances/{id}/execute', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'previewInstanceSchedule', method: 'GET', template: '/api/plugins/instances/{id}/schedule/preview', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'streamInstanceRunEvents', method: 'GET', template: '/api/plugins/instances/{id}/events', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'listInstanceExecutions', method: 'GET', template: '/api/plugins/instances/{id}/executions', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'getExecution', method: 'GET', template: '/api/plugins/executions/{execution_id}', param: 'execution_id', notFound: 'execution-not-found' },
  { operationId: 'cancelExecution', method: 'POST', template: '/api/plugins/executions/{execution_id}/cancel', param: 'execution_id', notFound: 'execution-not-found' },
  { operationId: 'streamExecutionEvents', method: 'GET', template: '/api/plugins/executions/{execution_id}/events', param: 'execution_id', notFound: 'execution-not-found' },
  { operationId: 'listExecutionLogs', method: 'GET', template: '/api/plugins/executions/{execution_id}/logs', param: 'execution_id', notFound: 'execution-not-found' },
  { operationId: 'createWebhook', method: 'POST', template: '/api/plugins/instances/{id}/webhooks', param: 'id', notFound: 'instance-not-found', body: { name: 'hook' } },
  { operationId: 'listWebhooks', method: 'GET', template: '/api/plugins/instances/{id}/webhooks', param: 'id', notFound: 'instance-not-found' },
  // Two uuids: the other one is a well-formed unknown id; the instance is looked up first.
  { operationId: 'revokeWebhook', method: 'DELETE', template: '/api/plugins/instances/{id}/webhooks/{webhook_id}', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'revokeWebhook', method: 'DELETE', template: '/api/plugins/instances/{id}/webhooks/{webhook_id}', param: 'webhook_id', notFound: 'instance-not-found' },
  { operationId: 'rotateWebhookSecret', method: 'POST', template: '/api/plugins/instances/{id}/webhooks/{webhook_id}/rotate', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'rotateWebhookSecret', method: 'POST', template: '/api/plugins/instances/{id}/webhooks/{webhook_id}/rotate', param: 'webhook_id', notFound: 'instance-not-found' },
  { operationId: 'listInstanceVersions', method: 'GET', template: '/api/plugins/instances/{id}/versions', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'getInstanceVersion', method: 'GET', template: '/api/plugins/instances/{id}/versions/{version}', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'diffInstanceVersions', method: 'GET', template: '/api/plugins/instances/{id}/versions/{version}/diff', param: 'id', notFound: 'instance-not-found' },
  { operationId: 'rollbackInstance', method: 'POST', template: '/api/plugins/instances/{id}/rollback', param: 'id', notFound: 'instance-not-found', body: { version: 1 } },
  { operationId: 'getApiKey', method: 'GET', template: '/api/keys/{id}', param: 'id', notFound: 'key-not-found' },
  { operationId: 'revokeApiKey', method: 'DELETE', template: '/api/keys/{id}', param: 'id', notFound: 'key-not-found' },
  { operationId: 'getNotificationChannel', method: 'GET', template: '/api/notifications/channels/{id}', param: 'id', notFound: 'channel-not-found' },
  { operationId: 'testNotificationChannel', method: 'POST', template: '/api/notifications/channels/{id}/test', param: 'id', notFound: 'channel-not-found' },
  { operationId: 'updateNotificationChannel', method: 'PATCH', template: '/api/notifications/channels/{id}', param: 'id', notFound: 'channel-not-found', body: { enabled: true } },
  { operationId: 'deleteNotificationChannel', method: 'DELETE', template: '/api/notifications/channels/{id}', param: 'id', notFound: 'channel-not-found' },
];

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
/** As they go on the wire (already percent-encoded where they need it). */
const MALFORMED_IDS = [
  { label: 'a word', raw: 'not-a-uuid' },
  { label: 'a number', raw: '123' },
  { label: 'a uuid with trailing junk', raw: `${UNKNOWN_UUID}x` },
  { label: 'a uuid with a trailing encoded space', raw: `${UNKNOWN_UUID}%20` },
  { label: 'a NUL', raw: '%00' },
  { label: 'a uuid without dashes', raw: UNKNOWN_UUID.replace(/-/g, '') },
];

const urlOf = (route: UuidRoute, id: string) => route.template.replace(`{${route.param}}`, id).replace(/\{(id|webhook_id)\}/g, UNKNOWN_UUID).replace('{version}', '1');
const send = (app: TestApp, route: UuidRoute, id: string) => app.request(route.method, urlOf(route, id), { body: route.body });

describe('uuid path parameters (e2e)', () => {
  it('covers every operation whose spec declares a uuid path parameter, and no other', () => {
    const spec = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'openapi', 'openapi.json'), 'utf8'));
    const declared: string[] = [];
    for (const [template, item] of Object.entries<Record<string, any>>(spec.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        const uuidParams = (operation.parameters ?? []).filter((p: any) => p.in === 'path' && p.schema?.format === 'uuid');
        for (const param of uuidParams) {
          declared.push(`${method.toUpperCase()} ${template} ${param.name} ${operation.operationId}`);
          // The spec promises the 400 the route answers.
          expect(operation.responses['400']?.content['application/problem+json'].examples['validation-failed']).toBeDefined();
        }
      }
    }
    expect(declared.sort()).toEqual(UUID_ROUTES.map((r) => `${r.method} ${r.template} ${r.param} ${r.operationId}`).sort());
  });

  describe('with API keys (loopback, no key yet)', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await TestApp.start();
    });
    afterAll(async () => {
      await app.close();
      app.removeData();
    });

    describe.each(UUID_ROUTES)('$method $template ($param)', (route) => {
      it.each(MALFORMED_IDS)('refuses $label with 400 validation-failed at /' + route.param, async ({ raw }) => {
        const response = await send(app, route, raw);
        expectProblem(response, 400, 'validation-failed');
        expect(response.body.errors).toEqual([{ path: `/${route.param}`, message: `${route.param} must be a uuid` }]);
      });

      it(`answers a well-formed unknown id with 404 ${route.notFound}`, async () => {
        expectProblem(await send(app, route, UNKNOWN_UUID), 404, route.notFound);
      });
    });

    it('accepts any 8-4-4-4-12 hex id, whatever its version bits or case', async () => {
      expectProblem(await app.get('/api/plugins/executions/11111111-2222-3333-4444-555555555555'), 404, 'execution-not-found');
      expectProblem(await app.get(`/api/plugins/instances/${UNKNOWN_UUID.toUpperCase()}`), 404, 'instance-not-found');
    });

    it('leaves template ids and table names as they were: not uuids, NUL still refused', async () => {
      expectProblem(await app.get('/api/plugins/templates/nope'), 404, 'template-not-found');
      expectProblem(await app.get('/api/data/tables/nope/rows'), 404, 'table-not-found');
      expectProblem(await app.get('/api/plugins/templates/x%00y'), 400, 'validation-failed');
      expectProblem(await app.get('/api/data/tables/x%00y/rows'), 400, 'validation-failed');
    });
  });

  /**
   * AUTH=none so the access guard has no key to look up: then the only reason for the framework
   * database to be asked anything during a request is the route itself. Every TypeORM read or write
   * (repositories, query builders, transactions, DataSource.query) starts at DataSource.createQueryRunner;
   * the spies record those calls on both connections (the writer and the read-only reader the API reads
   * through) and the SQL their runners send. The 404 case is the control that shows the spies see the
   * lookups a route makes.
   */
  describe('database access', () => {
    let app: TestApp;
    const opened: string[] = [];
    const statements: string[] = [];
    beforeAll(async () => {
      app = await TestApp.start({ env: { AUTH: 'none' } });
      for (const name of ['writer', READER_CONNECTION]) {
        const dataSource = app.app.get<DataSource>(getDataSourceToken(name === 'writer' ? undefined : name));
        const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
        const watched = new WeakSet<QueryRunner>();
        jest.spyOn(dataSource, 'createQueryRunner').mockImplementation((mode: ReplicationMode = 'master') => {
          opened.push(name);
          const runner = createQueryRunner(mode);
          if (!watched.has(runner)) {
            watched.add(runner);
            const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
            runner.query = ((sql: string, ...rest: unknown[]) => {
              statements.push(`${name}: ${sql}`);
              return query(sql, ...rest);
            }) as QueryRunner['query'];
          }
          return runner;
        });
      }
    });
    afterAll(async () => {
      jest.restoreAllMocks();
      await app.close();
      app.removeData();
    });
    beforeEach(() => {
      opened.length = 0;
      statements.length = 0;
    });

    describe.each(UUID_ROUTES)('$method $template ($param)', (route) => {
      it('reads nothing for a malformed id', async () => {
        const answers: string[] = [];
        for (const { raw } of MALFORMED_IDS) {
          const response = await send(app, route, raw);
          answers.push(`${response.status} ${response.body?.type}`);
        }
        expect({ answers, opened, statements }).toEqual({ answers: MALFORMED_IDS.map(() => '400 validation-failed'), opened: [], statements: [] });
      });

      it('reads the database for a well-formed unknown id (the control)', async () => {
        expectProblem(await send(app, route, UNKNOWN_UUID), 404, route.notFound);
        expect(opened.length).toBeGreaterThan(0);
        expect(statements.length).toBeGreaterThan(0);
      });
    });
  });
});
