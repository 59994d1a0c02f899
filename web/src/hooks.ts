import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { useApiKey } from './api/api-key';
import { isAbort } from './api/client';
import { ApiError, unreachable } from './api/problem';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
  /** Replaces the data in place (after a save answered with the new state). */
  setData: (data: T) => void;
}

export const asApiError = (error: unknown): ApiError => (error instanceof ApiError ? error : unreachable(error));

/**
 * Loads data for a page: again when `deps` or the API key change, or on reload(). A load that a newer one overtook
 * is aborted, so a slow answer never replaces a newer one.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Loaded<T> {
  const { generation } = useApiKey();
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    loadRef.current(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, loading: false }),
      (error: unknown) => !controller.signal.aborted && !isAbort(error) && setState((previous) => ({ data: previous.data, error: asApiError(error), loading: false })),
    );
    return () => controller.abort();
    // The caller lists what load depends on, as for useEffect; load itself changes every render.
  }, [...deps, generation, tick]);

  const reload = useCallback(() => setTick((value) => value + 1), []);
  const setData = useCallback((data: T) => setState({ data, loading: false }), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, setData };
}

/** A value that follows `value` once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Sets the document title for the page: "Instances · Plugin Instance Framework". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Plugin Instance Framework`;
  }, [title]);
}

export interface More<T> {
  /** The first page's items and every page loaded after it. */
  items: T[];
  /** Whether the server has more after these. */
  hasMore: boolean;
  loading: boolean;
  error?: ApiError;
  loadMore: () => Promise<void>;
}

/**
 * "Load more" under a cursor-paged list: the pages after `first` (a useLoad answer), appended as asked for. Starts over
 * whenever `first` changes (a reload, other filters).
 */
export function useMore<T>(first: { items: T[]; next_cursor: string | null } | undefined, next: (cursor: string) => Promise<{ items: T[]; next_cursor: string | null }>): More<T> {
  const [more, setMore] = useState<{ items: T[]; cursor: string | null; loading: boolean; error?: ApiError }>({ items: [], cursor: null, loading: false });
  useEffect(() => setMore({ items: [], cursor: first?.next_cursor ?? null, loading: false }), [first]);
  const loadMore = async () => {
    if (!more.cursor || more.loading) return;
    setMore((current) => ({ ...current, loading: true, error: undefined }));
    try {
      const page = await next(more.cursor);
      setMore((current) => ({ items: [...current.items, ...page.items], cursor: page.next_cursor, loading: false }));
    } catch (error) {
      setMore((current) => ({ ...current, loading: false, error: asApiError(error) }));
    }
  };
  return { items: [...(first?.items ?? []), ...more.items], hasMore: more.cursor !== null, loading: more.loading, error: more.error, loadMore };
}
