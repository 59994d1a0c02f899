import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { version } from '../../package.json';
import { BEARER_SCHEME } from '../auth/access.decorators';

const DESCRIPTION = `Plugin templates are code; instances are named configurations of them; every run is recorded.

**How it works**
1. \`GET /api/plugins/templates\` lists the templates the server loaded, each with the JSON Schema of its config.
2. \`POST /api/plugins/instances\` creates a named instance of a template with a config that validates against that schema.
3. \`POST /api/plugins/instances/{id}/execute\` runs it; \`GET /api/plugins/instances/{id}/executions\` shows every run.

**Authentication**: send an API key as \`Authorization: Bearer pif_...\` (in Swagger UI: **Authorize**). Keys are made with \`npm run keys -- create --name NAME --scopes read,execute\` or \`POST /api/keys\`. Scopes: \`read\` (GETs and config validation), \`write\` (instances), \`execute\` (runs and cancels), \`admin\` (keys; implies the others). Until the first key exists, requests from the server's own machine need none. \`/health\` is always open.

Errors are RFC 9457 \`application/problem+json\` with a stable \`type\` slug and, for invalid input, one \`errors\` entry per field (a JSON Pointer into the request body).`;

/** Recursively sorts object keys so the committed spec diffs cleanly. Arrays keep their order. */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value as object)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  ) as T;
}

/**
 * The one schema that matches null and nothing else under OpenAPI 3.0.3: `nullable` widens `type`
 * to object-or-null, and `enum` then keeps only null.
 */
export const NULL_ONLY_SCHEMA = { type: 'object', nullable: true, enum: [null] } as const;

/**
 * Rewrites every nullable reference into a form that is true under OpenAPI 3.0.3's reading of
 * `nullable` (it only widens the `type` beside it, never an `allOf`/`$ref` member). Nest writes a
 * property `{ type: SomeDto, nullable: true }` as `{ type: 'object', nullable: true, allOf: [{ $ref }] }`,
 * whose `allOf` member still refuses null; it becomes `{ anyOf: [{ $ref }, NULL_ONLY_SCHEMA] }`,
 * keeping its description and example. Any other nullable schema without a `type` would be just as
 * untrue, so it stops the build instead of being published.
 */
export function strictNullables<T>(value: T, at = '#'): T {
  if (Array.isArray(value)) return value.map((item, index) => strictNullables(item, `${at}/${index}`)) as T;
  if (value === null || typeof value !== 'object') return value;
  const node = Object.fromEntries(Object.entries(value as object).map(([key, child]) => [key, strictNullables(child, `${at}/${key}`)])) as Record<string, unknown>;
  if (node.nullable !== true) return node as T;
  const composed = ['allOf', 'anyOf', 'oneOf', '$ref'].some((key) => key in node);
  if (!composed && typeof node.type === 'string') return node as T;
  if (Array.isArray(node.allOf) && node.allOf.length === 1 && !('anyOf' in node) && !('oneOf' in node) && !('$ref' in node)) {
    const { allOf, nullable: _nullable, type: _type, ...annotations } = node;
    return { ...annotations, anyOf: [allOf[0], NULL_ONLY_SCHEMA] } as T;
  }
  throw new Error(`${at}: nullable schema without a type of its own (OpenAPI 3.0.3 would ignore its nullable); write it as anyOf [schema, null-only]`);
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    // 3.0.3 is the 3.0 revision that settles what `nullable` means; strictNullables writes to it.
    .setOpenAPIVersion('3.0.3')
    .setTitle('Plugin Instance Framework')
    .setDescription(DESCRIPTION)
    .setVersion(version)
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'This server (Swagger UI calls the origin it was loaded from)')
    .addTag('templates', 'Plugin templates: code shipped in plugins/, each with a config JSON Schema.')
    .addTag('instances', 'Named configurations of templates, stored in the database.')
    .addTag('executions', 'Runs of instances and their recorded history.')
    .addTag('data', 'Read-only views of the data store: the tables imports wrote.')
    .addTag('webhooks', 'Webhook URLs of instances: a token in the URL, optionally a signing secret; a delivery starts a run.')
    .addTag('provisioning', 'Instances declared in files under PROVISIONING_PATH: the last apply, and reloading the files.')
    .addTag('keys', 'API keys: who may call this API, with which scopes (admin scope).')
    .addTag('health', 'Liveness and readiness.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'pif_<43 characters>', description: 'An API key token, as printed once by `npm run keys -- create` or POST /api/keys.' }, BEARER_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (_controller, method) => method });
  // @Endpoint gives every scoped operation its bearer requirement; the rest are public, and
  // `security: []` says so explicitly (Nest's explorer drops an empty list).
  for (const methods of Object.values(document.paths)) {
    for (const operation of Object.values(methods as Record<string, { security?: unknown[]; responses?: unknown }>)) {
      if (operation?.responses && !operation.security) operation.security = [];
    }
  }
  return sortKeys(strictNullables(document));
}

/** Serves Swagger UI at /docs and the spec at /docs-json. */
export function setupSwaggerUi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Plugin Instance Framework API',
    swaggerOptions: {
      persistAuthorization: true,
      displayRequestDuration: true,
      deepLinking: true,
      operationsSorter: 'alpha',
      tryItOutEnabled: false,
    },
  });
}
