import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENDPOINT_METADATA } from '../src/auth/endpoint.decorator';
import { TestApp } from './helpers/test-app';

/** Every route handler of the running app carries its @Endpoint, and the spec has one operation per route. */
describe('@Endpoint on every route (e2e)', () => {
  it('finds an @Endpoint on each route handler of every controller', async () => {
    const app = await TestApp.start();
    try {
      const routes: { route: string; hasEndpoint: boolean }[] = [];
      for (const module of app.app.get(ModulesContainer).values()) {
        for (const wrapper of module.controllers.values()) {
          const prototype = (wrapper.metatype as { prototype: Record<string, unknown> }).prototype;
          for (const name of Object.getOwnPropertyNames(prototype)) {
            const handler = prototype[name];
            if (typeof handler !== 'function' || name === 'constructor' || !Reflect.hasMetadata(PATH_METADATA, handler)) continue;
            routes.push({ route: `${wrapper.name}.${name} (${Reflect.getMetadata(METHOD_METADATA, handler)})`, hasEndpoint: Reflect.getMetadata(ENDPOINT_METADATA, handler) === true });
          }
        }
      }
      expect(routes.filter((r) => !r.hasEndpoint)).toEqual([]);
      const spec = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'openapi', 'openapi.json'), 'utf8'));
      const operations = Object.values<Record<string, unknown>>(spec.paths).reduce((count, item) => count + Object.keys(item).length, 0);
      expect(routes).toHaveLength(operations);
    } finally {
      await app.close();
      app.removeData();
    }
  });
});
