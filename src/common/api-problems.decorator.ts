import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDto } from './problem.dto';
import { PROBLEM_TYPES, ProblemType } from './problem-types';

/**
 * Documents the problem responses an operation can return, grouped by status, each with an example
 * built from the same catalogue the exception filter uses.
 */
export function ApiProblems(...types: ProblemType[]) {
  return ApiProblemResponses(...types, 'internal-error');
}

/** ApiProblems without the implied 500: for decorators that add a few statuses of their own (access control). */
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
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(ProblemDto) },
            examples: Object.fromEntries(
              slugs.map((slug) => [
                slug,
                { summary: PROBLEM_TYPES[slug].title, value: { type: slug, title: PROBLEM_TYPES[slug].title, status, detail: PROBLEM_TYPES[slug].description } },
              ]),
            ),
          },
        },
      }),
    ),
  );
}
