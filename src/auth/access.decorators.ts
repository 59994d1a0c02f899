import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Principal } from './principal';
import { Scope } from './scopes';

/** Where @Endpoint stores an operation's access rule, for the global AccessGuard. */
export const ACCESS_RULE = 'pif:access-rule';
export const PUBLIC = 'public';
/** An API key scope the operation requires, or `public`: open to everyone without a key (only /health). */
export type AccessRule = Scope | typeof PUBLIC;
/** The name of the security scheme in the spec (and Swagger UI's Authorize dialog). */
export const BEARER_SCHEME = 'bearer';

/** The caller the access guard identified; only on routes whose @Endpoint has a scope (not `public`). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
  if (!principal) throw new Error('no principal on this request: @CurrentPrincipal needs a route whose @Endpoint has a scope');
  return principal;
});
