import { createPluginClient, type PluginClient } from '../../../openapi/client';
import { ApiError, problemFromResponse, unreachable } from './problem';

const KEY_STORAGE = 'pif.apiKey';

/** The API key of this tab: kept in sessionStorage, so it goes when the tab closes and never reaches other tabs. */
export function storedApiKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null; // storage disabled: the console works without a key on loopback
  }
}

export function storeApiKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled: nothing to keep.
  }
}

/**
 * The one way the console talks to the server: the client generated from openapi/openapi.json, so a changed API
 * breaks the console's build. Same origin; the API key, when one is set, goes in the Authorization header.
 */
export const api: PluginClient = createPluginClient(window.location.origin);

api.use({
  onRequest({ request }) {
    const key = storedApiKey();
    if (key) request.headers.set('Authorization', `Bearer ${key}`);
    return request;
  },
});

type Result = { data?: unknown; error?: unknown; response: Response };
type DataOf<R extends Result> = Exclude<R['data'], undefined>;

/** The data and the response (for headers such as ETag) of a call, or an ApiError. An abort is re-thrown as is. */
export async function callWithResponse<R extends Result>(pending: Promise<R>): Promise<{ data: DataOf<R>; response: Response }> {
  let result: R;
  try {
    result = await pending;
  } catch (error) {
    if (isAbort(error)) throw error;
    throw unreachable(error);
  }
  if (result.error !== undefined || !result.response.ok) throw problemFromResponse(result.response.status, result.response.statusText, result.error);
  return { data: result.data as DataOf<R>, response: result.response };
}

/** The data of a call, or an ApiError carrying the server's problem. */
export async function call<R extends Result>(pending: Promise<R>): Promise<DataOf<R>> {
  return (await callWithResponse(pending)).data;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export { ApiError };
