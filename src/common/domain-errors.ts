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
  constructor(type: 'template-not-found' | 'instance-not-found' | 'execution-not-found' | 'table-not-found' | 'key-not-found', what: string, id: string) {
    super(type, `${what} '${id}' does not exist`);
  }
}

export class ConflictError extends DomainError {
  constructor(
    type: 'name-taken' | 'key-name-taken' | 'single-instance-template' | 'instance-disabled' | 'template-unavailable' | 'execution-in-progress' | 'instance-running' | 'execution-finished',
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

export class UnknownTemplateError extends DomainError {
  constructor(templateId: string) {
    super('unknown-template', `template_id '${templateId}' does not name a loaded template`, {
      errors: [{ path: '/template_id', message: 'unknown template' }],
    });
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
