/**
 * The catalogue of problem `type` slugs: stable identifiers clients can switch on.
 * The exception filter and the OpenAPI document both read from here so they never drift.
 */
export const PROBLEM_TYPES = {
  'validation-failed': { status: 400, title: 'Request validation failed', description: 'The body, query or path parameters are malformed or of the wrong type; `errors` lists each field.' },
  'config-invalid': { status: 400, title: 'Config is not valid for the template', description: "The instance `config` fails the template's JSON Schema or its own checks (paths, table names, SQL); `errors` has one entry per failing field." },
  'malformed-json': { status: 400, title: 'Malformed JSON body', description: 'The request body is not valid JSON.' },
  'json-too-deep': { status: 400, title: 'JSON nested too deeply', description: 'The request body nests arrays and objects deeper than the configured limit (`JSON_MAX_DEPTH`).' },
  'bad-request': { status: 400, title: 'Bad request', description: 'The request could not be understood.' },
  'unauthorized': { status: 401, title: 'Authentication required', description: 'The request has no valid API key: send `Authorization: Bearer <token>` with a key that exists, has not expired and has not been revoked.' },
  'forbidden': { status: 403, title: 'Forbidden', description: "The API key lacks the scope this operation needs (`required_scope` names it), or, while no API key exists yet, the request did not come from the server's own machine." },
  'not-found': { status: 404, title: 'Not found', description: 'No route matches this method and path.' },
  'template-not-found': { status: 404, title: 'Template not found', description: 'No loaded template has this id.' },
  'instance-not-found': { status: 404, title: 'Instance not found', description: 'No instance has this id.' },
  'table-not-found': { status: 404, title: 'Table not found', description: 'The data store has no table with this name.' },
  'execution-not-found': { status: 404, title: 'Execution not found', description: 'No execution has this id.' },
  'webhook-not-found': { status: 404, title: 'Webhook not found', description: 'No webhook of this instance has this id, or (on `POST /api/hooks/{token}`) no active webhook has this token: it never existed or was revoked.' },
  'webhook-signature-invalid': { status: 401, title: 'Webhook signature missing or wrong', description: "The delivery does not carry a valid signature for the webhook's signing scheme (`github`: `X-Hub-Signature-256`; `standard`: `webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature`). Nothing was started." },
  'webhook-not-signed': { status: 409, title: 'Webhook has no signing secret', description: 'The webhook was created without `signing`, so it has no secret to rotate.' },
  'key-not-found': { status: 404, title: 'API key not found', description: 'No API key has this id.' },
  'key-name-taken': { status: 409, title: 'API key name already in use', description: 'API key names are unique, including revoked keys.' },
  'name-taken': { status: 409, title: 'Instance name already in use', description: 'Instance names are unique, compared trimmed and case-insensitively.' },
  'single-instance-template': { status: 409, title: 'Template allows a single instance', description: 'The template declares supports_multiple_instances: false and already has an instance.' },
  'instance-disabled': { status: 409, title: 'Instance is disabled', description: 'A disabled instance cannot be executed; enable it first.' },
  'template-unavailable': { status: 409, title: 'Template is not loaded', description: "The instance's template is not loaded in this server (plugin removed or failed to load)." },
  'execution-in-progress': { status: 409, title: 'Instance is already running', description: 'One run per instance at a time; `execution_id` names the run in progress.' },
  'instance-running': { status: 409, title: 'Instance is running', description: 'An instance cannot be deleted while one of its runs is in progress.' },
  'dependency-cycle': { status: 409, title: 'Dependencies would form a cycle', description: '`depends_on` would make an instance wait, directly or through others, for itself; `cycle` lists the instances around the loop, each depending on the next.' },
  'has-dependents': { status: 409, title: 'Other instances depend on it', description: 'An instance cannot be deleted while others list it in `depends_on`; `dependents` names them. Remove it from their `depends_on` first.' },
  'execution-finished': { status: 409, title: 'Execution already finished', description: 'Only a queued or running execution can be cancelled.' },
  'precondition-failed': { status: 412, title: 'Precondition failed', description: 'The If-Match header does not match the current ETag: the instance changed since it was read.' },
  'request-timeout': { status: 408, title: 'Request timeout', description: 'The client did not send the whole request in time.' },
  'payload-too-large': { status: 413, title: 'Payload too large', description: 'The request body exceeds the configured limit.' },
  'uri-too-long': { status: 414, title: 'URI too long', description: 'A path parameter exceeds the maximum length.' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type', description: 'Request bodies must be application/json (webhook deliveries also take application/x-www-form-urlencoded and text/plain).' },
  'headers-too-large': { status: 431, title: 'Request header fields too large', description: 'The request headers exceed the size the server reads.' },
  'unknown-template': { status: 422, title: 'Unknown template', description: '`template_id` does not name a loaded template.' },
  'rate-limited': { status: 429, title: 'Too many requests', description: 'This client (its API key, or its IP address without one) sent more requests than the limit allows in the current window; retry after the number of seconds in the Retry-After header.' },
  'service-unavailable': { status: 503, title: 'Service unavailable', description: 'A dependency (the database or the data store) is not answering, or the server is shutting down and takes no new runs.' },
  'internal-error': { status: 500, title: 'Internal server error', description: 'An unexpected failure; the request id identifies it in the logs.' },
} as const;

export type ProblemType = keyof typeof PROBLEM_TYPES;
