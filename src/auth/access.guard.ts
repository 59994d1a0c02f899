import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../common/domain-errors';
import { ACCESS_RULE, AccessRule, PUBLIC } from './access.decorators';
import { AccessService } from './access.service';
import { grants } from './scopes';

/**
 * The global guard. Fails closed: a route without an access rule (its @Endpoint sets one) is refused, so a new
 * route cannot be open by accident.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [context.getHandler(), context.getClass()]);
    if (rule === PUBLIC) return true;
    if (!rule) throw new ForbiddenError('this route declares no access rule, so it is closed');
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.access.principalFor(request.headers.authorization, request.socket.remoteAddress);
    request.principal = principal;
    if (!grants(principal.scopes, rule)) {
      throw new ForbiddenError(`the API key '${principal.keyName}' (scopes: ${principal.scopes.join(', ')}) lacks the '${rule}' scope this operation needs`, rule);
    }
    return true;
  }
}
