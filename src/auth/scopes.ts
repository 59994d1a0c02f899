/** What an API key may do. `admin` implies every other scope. */
export const SCOPES = ['read', 'write', 'execute', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  read: 'GET requests, and validating a config (POST /api/plugins/templates/{template_id}/validate)',
  write: 'create, update and delete instances',
  execute: 'run instances and cancel runs',
  admin: 'manage API keys; implies every other scope',
};

export function grants(held: readonly Scope[], required: Scope): boolean {
  return held.includes('admin') || held.includes(required);
}

/** Deduplicated, in catalogue order, so stored and displayed scopes read the same everywhere. */
export function normaliseScopes(scopes: readonly string[]): Scope[] {
  return SCOPES.filter((scope) => scopes.includes(scope));
}
