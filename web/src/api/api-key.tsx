import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { storeApiKey, storedApiKey } from './client';

interface ApiKeyState {
  /** Whether this tab holds a key (never the key itself: nothing renders it). */
  hasKey: boolean;
  /** Bumped whenever the key changes, so pages fetch again with the new one. */
  generation: number;
  setKey: (key: string | null) => void;
  /** The key box in the header: open when a page learns the server wants a key. */
  boxOpen: boolean;
  openBox: () => void;
  closeBox: () => void;
}

const ApiKeyContext = createContext<ApiKeyState | null>(null);

export function ApiKeyProvider({ children }: { children: ReactNode }) {
  const [hasKey, setHasKey] = useState(() => storedApiKey() !== null);
  const [generation, setGeneration] = useState(0);
  const [boxOpen, setBoxOpen] = useState(false);
  const setKey = useCallback((key: string | null) => {
    storeApiKey(key);
    setHasKey(key !== null);
    setGeneration((value) => value + 1);
  }, []);
  const openBox = useCallback(() => setBoxOpen(true), []);
  const closeBox = useCallback(() => setBoxOpen(false), []);
  const state = useMemo(() => ({ hasKey, generation, setKey, boxOpen, openBox, closeBox }), [hasKey, generation, setKey, boxOpen, openBox, closeBox]);
  return <ApiKeyContext.Provider value={state}>{children}</ApiKeyContext.Provider>;
}

export function useApiKey(): ApiKeyState {
  const state = useContext(ApiKeyContext);
  if (!state) throw new Error('useApiKey outside ApiKeyProvider');
  return state;
}
