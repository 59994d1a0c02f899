import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, DECORATORS } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiProblemResponses } from '../common/api-problems.decorator';
import { Principal } from './principal';
import { Scope } from './scopes';

export const ACCESS_RULE = 'pif:access-rule';
export const PUBLIC = 'public';
export type AccessRule = Scope | typeof PUBLIC;
/** The name of the security scheme in the spec (and Swagger UI's Authorize dialog). */
export const BEARER_SCHEME = 'bearer';

/** Adds the scope to the operation's description; @ApiOperation has to be applied first (written below). */
function DescribeScope(scope: Scope): MethodDecorator {
  return (_target, key, descriptor) => {
    const operation = Reflect.getMetadata(DECORATORS.API_OPERATION, descriptor.value as object) as { description?: string } | undefined;
    if (!operation?.description) throw new Error(`@RequireScope on ${String(key)} must sit above its @ApiOperation (with a description)`);
    const note = scope === 'admin' ? 'Requires an API key with the `admin` scope.' : `Requires an API key with the \`${scope}\` scope (or \`admin\`).`;
    Reflect.defineMetadata(DECORATORS.API_OPERATION, { ...operation, description: `${operation.description}\n\n${note}` }, descriptor.value as object);
    return descriptor;
  };
}

/**
 * The access rule of one operation, in one place: the global guard enforces the scope, and the spec
 * gets the bearer security requirement, the 401/403 problem responses and the scope in the description.
 * Put it above @ApiOperation.
 */
export function RequireScope(scope: Scope) {
  return applyDecorators(SetMetadata(ACCESS_RULE, scope), ApiBearerAuth(BEARER_SCHEME), ApiProblemResponses('unauthorized', 'forbidden'), DescribeScope(scope));
}

/** Open to everyone without a key; the spec shows it as `security: []` (see buildOpenApiDocument). Only /health uses it. */
export function Public() {
  return SetMetadata(ACCESS_RULE, PUBLIC);
}

/** The caller the access guard identified; only on routes with @RequireScope. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
  if (!principal) throw new Error('no principal on this request: @CurrentPrincipal needs a route with @RequireScope');
  return principal;
});
