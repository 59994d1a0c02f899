import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ValidationFailedError } from './domain-errors';
import { wellFormedPathParams } from './path-params.dto';

/**
 * Backstop for the pipe's own recursion (10,000 levels overflowed the stack: a 500). JSON bodies meet the
 * tighter JSON_MAX_DEPTH (at most 1000) at parse time already; nothing deeper may reach the walk below.
 */
export const MAX_REQUEST_DEPTH = 1000;

/**
 * Keys the validation pipeline would silently drop, anywhere in a body or query (free-form config
 * included): Nest strips __proto__, constructor and prototype, and class-transformer skips every key
 * that names a method of Object.prototype (toString, valueOf, ...). Dropping them loses data without a
 * word, so they are refused instead.
 */
export const isDroppedKey = (key: string): boolean => key === 'prototype' || key in Object.prototype;

/** class-validator errors -> one FieldError per field, with JSON Pointer paths. */
export function classValidatorFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const path = error.property ? `${parent}/${error.property}` : parent;
    const own = error.constraints ? [{ path, message: Object.values(error.constraints).join('; ') }] : [];
    return [...own, ...classValidatorFieldErrors(error.children ?? [], path)];
  });
}

const pointer = (path: string[]) => path.map((key) => `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/**
 * Problems with the shape of a request value, found without recursion: nesting deeper than
 * MAX_REQUEST_DEPTH, and keys the pipeline would drop.
 */
export function structuralProblems(value: unknown, maxDepth = MAX_REQUEST_DEPTH): FieldError[] {
  const problems: FieldError[] = [];
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (stack.length > 0 && problems.length < 20) {
    const { value: at, path } = stack.pop()!;
    if (at === null || typeof at !== 'object' || ArrayBuffer.isView(at)) continue;
    if (path.length >= maxDepth) {
      problems.push({ path: pointer(path), message: `nests deeper than ${maxDepth} levels` });
      continue;
    }
    for (const key of Object.keys(at)) {
      if (!Array.isArray(at) && isDroppedKey(key)) problems.push({ path: pointer([...path, key]), message: `'${key}' is a reserved key and cannot be used` });
      else stack.push({ value: (at as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return problems;
}

/** The one validation pipe: Nest's, with class-validator errors as a validation-failed problem and refusals instead of silent drops. */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      exceptionFactory: (errors) => {
        const fieldErrors = classValidatorFieldErrors(errors);
        return new ValidationFailedError(fieldErrors.map((e) => `${e.path || 'body'}: ${e.message}`).join('; ') || 'request is invalid', fieldErrors);
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // No id or name holds NUL, and PostgreSQL refuses it in a text parameter (an error, not "not found").
    if (metadata.type === 'param' && typeof value === 'string' && value.includes('\u0000')) {
      throw new ValidationFailedError(`${metadata.data ?? 'path parameter'}: must not contain NUL characters`, [{ path: `/${metadata.data ?? ''}`, message: 'must not contain NUL characters' }]);
    }
    if (metadata.type === 'param') {
      const params = wellFormedPathParams(metadata.metatype, value);
      if (params) return params;
    }
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problems = structuralProblems(value);
      if (problems.length > 0) throw new ValidationFailedError(problems.map((p) => `${p.path || metadata.type}: ${p.message}`).join('; '), problems);
    }
    return super.transform(value, metadata);
  }
}
