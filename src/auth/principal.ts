import { Scope, SCOPES } from './scopes';

/** Who is calling: an API key, or nobody in particular (loopback before any key exists, or AUTH=none). */
export interface Principal {
  /** The API key's id; null when no key was used. */
  keyId: string | null;
  keyName: string | null;
  scopes: readonly Scope[];
  via: 'api-key' | 'loopback-without-keys' | 'auth-none' | 'webhook';
}

export const ANONYMOUS_LOOPBACK: Principal = Object.freeze({ keyId: null, keyName: null, scopes: SCOPES, via: 'loopback-without-keys' as const });
export const ANONYMOUS_AUTH_NONE: Principal = Object.freeze({ keyId: null, keyName: null, scopes: SCOPES, via: 'auth-none' as const });

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the access guard on every route that is not public. */
    principal?: Principal;
  }
}

/** A webhook delivery: the URL token was the credential; it grants no API scope. */
export const WEBHOOK_DELIVERY: Principal = Object.freeze({ keyId: null, keyName: null, scopes: [], via: 'webhook' as const });
