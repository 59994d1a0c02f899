/**
 * Named examples for a request body or a 2xx response, as OpenAPI Example Objects: pass them as
 * `examples` beside `type` in @Endpoint's `body` and `ok` (as the problem responses get theirs from
 * the problem catalogue). Swagger UI offers them in a drop-down and pre-fills "Try it out" with the first.
 *
 * Each module keeps its examples in dto/*.examples.ts, typed by the DTO they show (so the compiler
 * checks their fields), with fixed ids and times: openapi/openapi.json is generated and committed.
 * test/openapi-spec.e2e-spec.ts checks every example against its schema.
 */
export interface ApiExample<T> {
  summary: string;
  value: T;
}

export type ApiExamples<T> = Record<string, ApiExample<T>>;

/** The ids the examples share, so an instance, its runs and its key agree with each other. */
export const EXAMPLE_IDS = {
  instance: '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15',
  otherInstance: '5d2e8b14-7c6a-4f3e-8b1d-2a9c0e6f4d37',
  execution: '8a0e6c52-1d3b-4f7a-b2c9-5e4d3f2a1b0c',
  failedExecution: 'c4b7e2a1-9f3d-4e8c-a6b5-1d0f2e3c4b5a',
  apiKey: '6b1f0d4e-2c3a-4b5d-8e9f-0a1b2c3d4e5f',
} as const;
