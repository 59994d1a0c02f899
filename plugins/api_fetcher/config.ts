import { JsonSchema, JsonValue } from '../../src/sdk';

export type AuthConfig =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'api_key'; header: string; value: string };

export type PaginationConfig =
  | { type: 'none' }
  | { type: 'next_url'; next_pointer: string }
  | { type: 'page'; param: string; start: number; size_param?: string; size?: number }
  | { type: 'offset'; param: string; limit_param: string; limit: number }
  | { type: 'link_header' };

export interface RetryConfig {
  max_attempts: number;
  backoff_ms: number;
  max_backoff_ms: number;
}

export interface StoreConfig {
  table_name: string;
  replace_existing: boolean;
  columns?: string[];
  ignore_unknown_fields: boolean;
}

/** The config as execute() receives it: validated, defaults applied. */
export interface ApiFetcherConfig {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean>;
  body?: JsonValue;
  auth: AuthConfig;
  records_pointer: string;
  pagination: PaginationConfig;
  max_pages: number;
  timeout_ms: number;
  retries: RetryConfig;
  store?: StoreConfig;
  preview_limit: number;
}

/** RFC 6901 JSON Pointer: '' or a sequence of '/segment' with '~' escaped as ~0 and '/' as ~1. */
const JSON_POINTER = '^(/([^~/]|~[01])*)*$';
const NON_EMPTY_JSON_POINTER = '^(/([^~/]|~[01])*)+$';
/** RFC 9110 token: what a header name or a query parameter name safely is. */
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
const NO_LINE_BREAKS = '^[^\\r\\n]*$';

// writeOnly marks a secret: encrypted at rest, masked in every response, scrubbed from results and logs.
const secretString = (title: string, description: string, example: string) => ({
  type: 'string',
  writeOnly: true,
  title,
  description,
  minLength: 1,
  maxLength: 4096,
  pattern: NO_LINE_BREAKS,
  examples: [example],
});
/** Example values of secrets: obviously placeholders, never real-looking credentials. */
const EXAMPLE_TOKEN = 'your-token-here';
const EXAMPLE_KEY = 'your-api-key-here';

// Variants are a `type` enum plus one `if/then` per variant rather than `oneOf`: ajv applies defaults
// inside `then` (never inside `oneOf`), and a mistake gets one precise error instead of one per variant.
const AUTH_SCHEMA = {
  type: 'object',
  title: 'Authentication',
  description:
    'How requests authenticate. none: no credentials; bearer: `Authorization: Bearer <token>`; basic: `Authorization: Basic` with a username and password; api_key: a key sent in a header of your choice.',
  default: { type: 'none' },
  required: ['type'],
  properties: {
    type: { type: 'string', title: 'Type', description: 'The authentication scheme.', enum: ['none', 'bearer', 'basic', 'api_key'], default: 'none' },
  },
  allOf: [
    {
      if: { properties: { type: { const: 'none' } } },
      then: { properties: { type: { const: 'none' } }, additionalProperties: false },
    },
    {
      if: { properties: { type: { const: 'bearer' } } },
      then: {
        required: ['token'],
        additionalProperties: false,
        properties: { type: { const: 'bearer' }, token: secretString('Token', 'The bearer token, without the `Bearer ` prefix.', EXAMPLE_TOKEN) },
      },
    },
    {
      if: { properties: { type: { const: 'basic' } } },
      then: {
        required: ['username', 'password'],
        additionalProperties: false,
        properties: {
          type: { const: 'basic' },
          username: { type: 'string', title: 'Username', description: 'The user name; it must not contain a colon.', minLength: 1, maxLength: 1024, pattern: '^[^:\\r\\n]*$', examples: ['lab-robot'] },
          password: { type: 'string', writeOnly: true, format: 'password', title: 'Password', description: 'The password.', maxLength: 4096, pattern: NO_LINE_BREAKS, examples: ['your-password-here'] },
        },
      },
    },
    {
      if: { properties: { type: { const: 'api_key' } } },
      then: {
        required: ['value'],
        additionalProperties: false,
        properties: {
          type: { const: 'api_key' },
          header: { type: 'string', title: 'Header', description: 'The request header that carries the key.', pattern: HEADER_NAME, maxLength: 256, default: 'X-API-Key', examples: ['X-API-Key', 'Api-Key'] },
          value: secretString('Key', 'The API key.', EXAMPLE_KEY),
        },
      },
    },
  ],
  examples: [{ type: 'none' }, { type: 'bearer', token: EXAMPLE_TOKEN }, { type: 'api_key', header: 'X-API-Key', value: EXAMPLE_KEY }],
};

const PAGINATION_SCHEMA = {
  type: 'object',
  title: 'Pagination',
  description:
    'How to reach the next page. none: one request; next_url: the body holds the next page URL; page: a page-number query parameter; offset: offset and limit query parameters; link_header: the `Link: <...>; rel="next"` response header (RFC 8288). Every style stops after max_pages.',
  default: { type: 'none' },
  required: ['type'],
  properties: {
    type: { type: 'string', title: 'Style', description: 'The pagination style.', enum: ['none', 'next_url', 'page', 'offset', 'link_header'], default: 'none' },
  },
  allOf: [
    {
      if: { properties: { type: { const: 'none' } } },
      then: { properties: { type: { const: 'none' } }, additionalProperties: false },
    },
    {
      if: { properties: { type: { const: 'next_url' } } },
      then: {
        required: ['next_pointer'],
        additionalProperties: false,
        properties: {
          type: { const: 'next_url' },
          next_pointer: {
            type: 'string',
            title: 'Next URL pointer',
            description: 'JSON Pointer to the next page URL in each response body; relative URLs are resolved against the current one. A missing, null or empty value ends the fetch.',
            pattern: NON_EMPTY_JSON_POINTER,
            maxLength: 1024,
            examples: ['/next', '/links/next', '/@odata.nextLink'],
          },
        },
      },
    },
    {
      if: { properties: { type: { const: 'page' } } },
      then: {
        additionalProperties: false,
        dependencies: { size_param: ['size'] },
        properties: {
          type: { const: 'page' },
          param: { type: 'string', title: 'Page parameter', description: 'Query parameter carrying the page number.', minLength: 1, maxLength: 256, default: 'page', examples: ['page', 'p'] },
          start: { type: 'integer', title: 'First page', description: 'Number of the first page.', minimum: 0, maximum: 1000000, default: 1, examples: [1, 0] },
          size_param: { type: 'string', title: 'Page size parameter', description: 'Query parameter carrying the page size (needs `size`).', minLength: 1, maxLength: 256, examples: ['per_page', 'page_size'] },
          size: {
            type: 'integer',
            title: 'Page size',
            description: 'Records per page. When set, a page with fewer records is the last one; otherwise the fetch stops at the first empty page.',
            minimum: 1,
            maximum: 100000,
            examples: [100],
          },
        },
      },
    },
    {
      if: { properties: { type: { const: 'offset' } } },
      then: {
        additionalProperties: false,
        properties: {
          type: { const: 'offset' },
          param: { type: 'string', title: 'Offset parameter', description: 'Query parameter carrying the offset of the first record (0, limit, 2 x limit, ...).', minLength: 1, maxLength: 256, default: 'offset', examples: ['offset', 'skip'] },
          limit_param: { type: 'string', title: 'Limit parameter', description: 'Query parameter carrying the number of records per page.', minLength: 1, maxLength: 256, default: 'limit', examples: ['limit', 'take'] },
          limit: { type: 'integer', title: 'Limit', description: 'Records per page; a page with fewer records is the last one.', minimum: 1, maximum: 100000, default: 100, examples: [100] },
        },
      },
    },
    {
      if: { properties: { type: { const: 'link_header' } } },
      then: { properties: { type: { const: 'link_header' } }, additionalProperties: false },
    },
  ],
  examples: [{ type: 'next_url', next_pointer: '/next' }, { type: 'page', param: 'page', start: 1, size_param: 'per_page', size: 100 }, { type: 'offset', limit: 100 }, { type: 'link_header' }],
};

export const API_FETCHER_CONFIG_SCHEMA: JsonSchema = {
  type: 'object',
  title: 'API fetcher',
  description: 'Fetches JSON records from an HTTP API, page by page, optionally storing them in a data-store table.',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: {
      type: 'string',
      format: 'uri',
      title: 'URL',
      description: 'Absolute http or https URL of the first page. `query` and the pagination parameters are added to its query string.',
      maxLength: 8192,
      examples: ['https://api.example.org/v1/samples?status=active'],
    },
    method: { type: 'string', title: 'Method', description: 'HTTP method of every request.', enum: ['GET', 'POST'], default: 'GET' },
    headers: {
      type: 'object',
      title: 'Headers',
      description: 'Extra request headers. `Accept: application/json` is sent unless set here; authentication headers come from `auth`.',
      propertyNames: { pattern: HEADER_NAME, maxLength: 256 },
      additionalProperties: { type: 'string', maxLength: 8192, pattern: NO_LINE_BREAKS },
      examples: [{ 'Accept-Language': 'en' }],
    },
    query: {
      type: 'object',
      title: 'Query parameters',
      description: 'Added to the URL of the first request (and of every request for page and offset pagination), replacing parameters of the same name in `url`.',
      propertyNames: { minLength: 1, maxLength: 256 },
      additionalProperties: { type: ['string', 'number', 'boolean'] },
      examples: [{ status: 'active', include_deleted: false }],
    },
    body: {
      title: 'Body',
      description: 'Any JSON value, sent with `Content-Type: application/json` in every request. Only with method POST.',
      examples: [{ filter: { status: 'active' } }],
    },
    auth: AUTH_SCHEMA,
    records_pointer: {
      type: 'string',
      title: 'Records pointer',
      description: "JSON Pointer to the array of records in each response body; '' means the body itself is the array.",
      pattern: JSON_POINTER,
      maxLength: 1024,
      default: '',
      examples: ['', '/data', '/results/items'],
    },
    pagination: PAGINATION_SCHEMA,
    max_pages: {
      type: 'integer',
      title: 'Maximum pages',
      description: 'Stop after this many pages; the result then says `truncated: true`.',
      minimum: 1,
      maximum: 10000,
      default: 100,
    },
    timeout_ms: {
      type: 'integer',
      title: 'Request timeout (ms)',
      description: 'Time limit of each request, from sending it to the end of its response body.',
      minimum: 100,
      maximum: 600000,
      default: 30000,
    },
    retries: {
      type: 'object',
      title: 'Retries',
      description: 'Network errors, timeouts, 429 and 5xx answers are retried with exponential backoff and jitter, honouring Retry-After. Other 4xx answers fail at once.',
      additionalProperties: false,
      default: {},
      properties: {
        max_attempts: { type: 'integer', title: 'Attempts', description: 'Attempts per request, the first included.', minimum: 1, maximum: 10, default: 3 },
        backoff_ms: { type: 'integer', title: 'Backoff (ms)', description: 'Wait before the second attempt; doubled for each further one.', minimum: 0, maximum: 600000, default: 500 },
        max_backoff_ms: { type: 'integer', title: 'Maximum backoff (ms)', description: 'Upper bound of any wait, Retry-After included.', minimum: 0, maximum: 600000, default: 30000 },
      },
      examples: [{ max_attempts: 5, backoff_ms: 1000, max_backoff_ms: 60000 }],
    },
    store: {
      type: 'object',
      title: 'Store in a table',
      description:
        'Write the records into a data-store table, page by page, in one transaction. Without it, the result carries a preview of the records instead. With no records and no `columns`, the table is left as it is and the result says table_name: null.',
      additionalProperties: false,
      required: ['table_name'],
      properties: {
        table_name: { type: 'string', title: 'Table name', description: 'Letters, digits and underscores, not starting with a digit.', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 63, examples: ['samples'] },
        replace_existing: { type: 'boolean', title: 'Replace existing', description: 'true: replace the table atomically; false: append to it (its columns must match).', default: true },
        columns: {
          type: 'array',
          title: 'Extra columns',
          description: "Columns besides the first record's top-level fields, for fields that later records may carry.",
          items: { type: 'string', minLength: 1, maxLength: 256 },
          uniqueItems: true,
          maxItems: 2000,
          examples: [['comment', 'deleted_at']],
        },
        ignore_unknown_fields: {
          type: 'boolean',
          title: 'Ignore unknown fields',
          description: 'Drop fields that are not columns instead of failing the run.',
          default: false,
        },
      },
      examples: [{ table_name: 'samples', replace_existing: true }],
    },
    preview_limit: {
      type: 'integer',
      title: 'Preview size',
      description: 'Without `store`, how many of the first records the result includes as `preview`.',
      minimum: 0,
      maximum: 1000,
      default: 10,
    },
  },
  examples: [
    {
      url: 'https://api.example.org/v1/samples',
      auth: { type: 'bearer', token: EXAMPLE_TOKEN },
      records_pointer: '/data',
      pagination: { type: 'next_url', next_pointer: '/next' },
      store: { table_name: 'samples' },
    },
  ],
};
