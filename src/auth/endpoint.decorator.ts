import { applyDecorators, HttpCode, SetMetadata, Type } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiHeaderOptions, ApiOperation, ApiParam, ApiResponse, ContentObject, HeadersObject } from '@nestjs/swagger';
import type { ApiExamples } from '../common/api-examples';
import { ApiProblemResponses } from '../common/api-problems.decorator';
import { VALIDATED_PATH_PARAMS } from '../common/path-params.dto';
import { ProblemType } from '../common/problem-types';
import { ACCESS_RULE, AccessRule, BEARER_SCHEME, PUBLIC } from './access.decorators';
import { Scope } from './scopes';

/** Set on every handler @Endpoint decorates: a second @Endpoint on the same handler is refused, and tests check every route has one. */
export const ENDPOINT_METADATA = 'pif:endpoint';

interface SuccessBase {
  description: string;
  /** Response headers (ETag, Location, Preference-Applied, ...). */
  headers?: HeadersObject;
}

/** A JSON body described by a DTO class, with its named examples (see src/common/api-examples.ts). */
export interface JsonSuccess extends SuccessBase {
  status: 200 | 201 | 202;
  type: Type<unknown>;
  examples: ApiExamples<unknown>;
}

/** A body in another media type, written out as OpenAPI content (the text/event-stream of GET .../events). */
export interface ContentSuccess extends SuccessBase {
  status: 200;
  content: ContentObject;
}

/** No body. */
export interface EmptySuccess extends SuccessBase {
  status: 204;
}

export type SuccessResponse = JsonSuccess | ContentSuccess | EmptySuccess;

/** Problems every operation may answer, added by @Endpoint itself (and refused in `problems`). */
const IMPLIED_PROBLEMS = ['unauthorized', 'forbidden', 'rate-limited', 'internal-error'] as const satisfies readonly ProblemType[];
type ImpliedProblem = (typeof IMPLIED_PROBLEMS)[number];

export interface EndpointOptions {
  operationId: string;
  summary: string;
  /** What the operation does. @Endpoint appends the scope sentence; do not write it here. */
  description: string;
  /**
   * Who may call it: the API key scope the global AccessGuard requires (which also puts the bearer
   * requirement, 401, 403 and the scope sentence in the spec), or `public` for no key at all.
   */
  scope: AccessRule;
  /**
   * What each path parameter names, with an example, keyed by its name in the route. The checking
   * belongs to the @Param() DTO (UuidParam, ExecutionIdParam), not to this.
   */
  params?: Record<string, { description: string; example: string | number }>;
  /** Request headers the operation reads, in the order the spec lists them. */
  headers?: readonly ApiHeaderOptions[];
  /**
   * The JSON request body, with its named examples; or a body in several media types written out as OpenAPI
   * content (a webhook delivery: JSON, form or text).
   */
  body?: { type: Type<unknown>; examples: ApiExamples<unknown> } | { description: string; required: boolean; content: ContentObject };
  /**
   * The success response(s). The first is the status the route answers by default (applied with
   * HttpCode); a handler that answers another one (202 under `Prefer: respond-async`) sets it itself.
   */
  ok: SuccessResponse | readonly [SuccessResponse, ...SuccessResponse[]];
  /**
   * The problem types the operation itself can answer. 401 and 403 (scoped operations), 429 and 500 are
   * added here; `validation-failed` is added for a handler taking a validated path DTO.
   */
  problems: readonly Exclude<ProblemType, ImpliedProblem>[];
  /** false for the operations rate limiting leaves alone (GET /health): no 429 in the spec. */
  rateLimited?: false;
}

function scopeSentence(scope: Scope): string {
  return scope === 'admin' ? 'Requires an API key with the `admin` scope.' : `Requires an API key with the \`${scope}\` scope (or \`admin\`).`;
}

function fail(where: string, message: string): never {
  throw new Error(`@Endpoint on ${where}: ${message}`);
}

function successDecorator(response: SuccessResponse) {
  const { status, description, headers } = response;
  if ('type' in response) return ApiResponse({ status, description, headers, type: response.type, examples: response.examples });
  if ('content' in response) return ApiResponse({ status, description, headers, content: response.content });
  return ApiResponse({ status, description, headers });
}

/**
 * The one decorator of an operation, beside its route decorator (@Get(':id'), ...): operation id, summary,
 * description (+ the scope sentence), the access rule the global AccessGuard enforces, bearer security,
 * path parameters, request headers, body, success responses, problem responses and the success status.
 * The route decorator stays separate, as in immich's @Endpoint: the method and path are Nest's routing,
 * read by Nest's router and by whoever greps a controller for a URL.
 *
 * Misuse fails when the class loads: an empty summary or description, a scope sentence written by hand,
 * two success responses with one status, a problem listed twice or one the decorator adds itself, or a
 * second @Endpoint on the same handler. The types require summary, description, scope, ok and problems.
 */
export function Endpoint(options: EndpointOptions): MethodDecorator {
  return (target, key, descriptor) => {
    const where = `${(target as { constructor: { name: string } }).constructor.name}.${String(key)}`;
    if (Reflect.hasMetadata(ENDPOINT_METADATA, descriptor.value as object)) fail(where, 'applied twice');
    const ok = (Array.isArray(options.ok) ? options.ok : [options.ok]) as readonly SuccessResponse[];
    if (!/^[a-z][A-Za-z]+$/.test(options.operationId)) fail(where, `operationId '${options.operationId}' is not lowerCamelCase`);
    if (!options.summary.trim()) fail(where, 'summary is empty');
    if (!options.description.trim()) fail(where, 'description is empty');
    if (/Requires an API key/.test(options.description)) fail(where, 'the description carries a scope sentence; @Endpoint writes it from `scope`');
    if (ok.length === 0) fail(where, 'no success response');
    const successStatuses = ok.map((response) => response.status);
    if (new Set(successStatuses).size !== successStatuses.length) fail(where, `two success responses share a status (${successStatuses.join(', ')})`);
    for (const response of ok) if (!response.description.trim()) fail(where, `the ${response.status} response has no description`);

    const problems: ProblemType[] = [...options.problems];
    for (const problem of problems) {
      if ((IMPLIED_PROBLEMS as readonly string[]).includes(problem)) fail(where, `'${problem}' is added by @Endpoint; leave it out of problems`);
    }
    if (new Set(problems).size !== problems.length) fail(where, 'a problem type is listed twice');
    // A validated path DTO can answer 400 validation-failed, so the spec says so without being told.
    const paramTypes = (Reflect.getMetadata('design:paramtypes', target, key) ?? []) as unknown[];
    if (paramTypes.some((type) => VALIDATED_PATH_PARAMS.includes(type as new () => object)) && !problems.includes('validation-failed')) problems.unshift('validation-failed');

    const scoped = options.scope !== PUBLIC;
    const description = scoped ? `${options.description}\n\n${scopeSentence(options.scope as Scope)}` : options.description;
    const implied: ProblemType[] = [...(scoped ? (['unauthorized', 'forbidden'] as const) : []), ...(options.rateLimited === false ? [] : (['rate-limited'] as const)), 'internal-error'];

    applyDecorators(
      SetMetadata(ENDPOINT_METADATA, true),
      SetMetadata(ACCESS_RULE, options.scope),
      HttpCode(ok[0].status),
      ApiOperation({
        operationId: options.operationId,
        summary: options.summary,
        description,
        ...(options.body && 'content' in options.body ? { requestBody: { description: options.body.description, required: options.body.required, content: options.body.content } } : {}),
      }),
      ...Object.entries(options.params ?? {}).map(([name, param]) => ApiParam({ name, description: param.description, example: param.example })),
      ...(options.headers ?? []).map((header) => ApiHeader(header)),
      ...(options.body && 'type' in options.body ? [ApiBody({ type: options.body.type, examples: options.body.examples })] : []),
      ...ok.map(successDecorator),
      ...(scoped ? [ApiBearerAuth(BEARER_SCHEME)] : []),
      ApiProblemResponses(...problems, ...implied),
    )(target, key, descriptor);
    return descriptor;
  };
}
