import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDto } from './problem.dto';
import { PROBLEM_TYPES, ProblemType } from './problem-types';

const RATE_LIMIT_HEADERS = {
  'Retry-After': { description: 'Seconds until this client may send requests again.', schema: { type: 'integer', example: 42 } },
  'RateLimit-Limit': { description: 'Requests allowed per window (RATE_LIMIT_MAX).', schema: { type: 'integer', example: 1000 } },
  'RateLimit-Remaining': { description: 'Requests left in the current window: 0 here.', schema: { type: 'integer', example: 0 } },
  'RateLimit-Reset': { description: 'Seconds until the window resets.', schema: { type: 'integer', example: 42 } },
};

/** Extension members an example shows, for the problem types that always carry them. */
const EXAMPLE_EXTENSIONS: Partial<Record<ProblemType, Record<string, unknown>>> = {
  'precondition-failed': { detail: 'If-Match does not match the current ETag "4"', current_etag: '"4"' },
};

/**
 * Documents the given problem responses, grouped by status, each with an example built from the same
 * catalogue the exception filter uses. @Endpoint (src/auth/endpoint.decorator.ts) calls it with an
 * operation's own problems plus the ones every operation may answer (401/403 when scoped, 429, 500).
 */
export function ApiProblemResponses(...types: ProblemType[]) {
  const byStatus = new Map<number, ProblemType[]>();
  for (const type of types) {
    const status = PROBLEM_TYPES[type].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), type]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...[...byStatus.entries()].map(([status, slugs]) =>
      ApiResponse({
        status,
        description: slugs.map((slug) => `\`${slug}\`: ${PROBLEM_TYPES[slug].description}`).join('\n\n'),
        ...(status === 429 ? { headers: RATE_LIMIT_HEADERS } : {}),
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(ProblemDto) },
            examples: Object.fromEntries(
              slugs.map((slug) => [
                slug,
                { summary: PROBLEM_TYPES[slug].title, value: { type: slug, title: PROBLEM_TYPES[slug].title, status, detail: PROBLEM_TYPES[slug].description, ...EXAMPLE_EXTENSIONS[slug] } },
              ]),
            ),
          },
        },
      }),
    ),
  );
}
