import { ProblemType } from './problem-types';

/** One failing field: `path` is a JSON Pointer into the request (body fields, or query parameters by name). */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * Base of every error a service throws on purpose. It names a problem type from the catalogue; the
 * exception filter turns it into an HTTP problem response, so services never speak HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly type: ProblemType,
    detail: string,
    readonly options: { errors?: FieldError[]; extensions?: Record<string, unknown>; location?: string } = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  constructor(detail: string, errors: FieldError[]) {
    super('validation-failed', detail, { errors });
  }
}

export class ConfigInvalidError extends DomainError {
  constructor(templateId: string, errors: FieldError[]) {
    super('config-invalid', `config is not valid for template '${templateId}'`, { errors });
  }
}

export class NotFoundError extends DomainError {
  constructor(type: 'template-not-found' | 'instance-not-found' | 'execution-not-found' | 'table-not-found' | 'key-not-found' | 'webhook-not-found' | 'channel-not-found', what: string, id: string) {
    super(type, `${what} '${id}' does not exist`);
  }
}

export class ConflictError extends DomainError {
  constructor(
    type: 'name-taken' | 'key-name-taken' | 'single-instance-template' | 'instance-disabled' | 'template-unavailable' | 'execution-in-progress' | 'instance-running' | 'execution-finished' | 'dependency-cycle' | 'has-dependents' | 'config-migration-failed' | 'template-version-newer' | 'provisioned' | 'channel-name-taken',
    detail: string,
    options: { extensions?: Record<string, unknown>; location?: string } = {},
  ) {
    super(type, detail, options);
  }
}

export class PreconditionFailedError extends DomainError {
  constructor(currentEtag: string) {
    super('precondition-failed', `If-Match does not match the current ETag ${currentEtag}`, { extensions: { current_etag: currentEtag } });
  }
}

/** What a caller wanted a template for: it decides how a missing one is reported. */
export type TemplateUse = 'lookup' | 'create' | 'update' | 'run';

/**
 * A template id that names no loaded template. The one error for it; what the caller wanted it for
 * picks the problem: a catalogue lookup is a 404, a create naming it a 422 on /template_id, and an
 * existing instance whose plugin is gone a 409 (its config cannot be checked, it cannot run).
 */
export class TemplateMissingError extends DomainError {
  constructor(templateId: string, use: TemplateUse) {
    if (use === 'lookup') super('template-not-found', `template '${templateId}' does not exist`);
    else if (use === 'create') super('unknown-template', `template_id '${templateId}' does not name a loaded template`, { errors: [{ path: '/template_id', message: 'unknown template' }] });
    else if (use === 'update') super('template-unavailable', `template '${templateId}' is not loaded, so the config cannot be validated`);
    else super('template-unavailable', `template '${templateId}' is not loaded in this server; see GET /api/plugins/load-errors`);
  }
}

export class JsonTooDeepError extends DomainError {
  constructor(maxDepth: number) {
    super('json-too-deep', `the JSON body nests arrays and objects more than ${maxDepth} levels deep (JSON_MAX_DEPTH)`);
  }
}

export class RateLimitedError extends DomainError {
  constructor(max: number, window: string, retryAfterSeconds: number) {
    super('rate-limited', `more than ${max} requests in ${window}; retry in ${retryAfterSeconds} s`);
  }
}

/** No usable credentials: the filter adds `WWW-Authenticate: Bearer`. */
export class UnauthorizedError extends DomainError {
  constructor(detail: string) {
    super('unauthorized', detail);
  }
}

export class ForbiddenError extends DomainError {
  constructor(detail: string, requiredScope?: string) {
    super('forbidden', detail, { extensions: requiredScope ? { required_scope: requiredScope } : {} });
  }
}
