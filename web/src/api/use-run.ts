import { useEffect, useRef, useState } from 'react';
import type { Execution } from '../../../openapi/client';
import { followExecution, isFinal, type Progress } from './events';
import type { ApiError } from './problem';

export interface FollowedRun {
  execution: Execution | undefined;
  progress: Progress | null;
  connection: 'connecting' | 'live' | 'reconnecting' | 'done';
  error: ApiError | undefined;
}

/**
 * A run as it happens, over its event stream: status and progress until it ends. `start` is the run as last read
 * (so the page shows it at once); onFinished gets the final row, once.
 */
export function useFollowedRun(start: Execution | undefined, onFinished?: (execution: Execution) => void): FollowedRun {
  const [state, setState] = useState<FollowedRun>({ execution: start, progress: start?.progress ?? null, connection: start && isFinal(start.status) ? 'done' : 'connecting', error: undefined });
  const finished = useRef(onFinished);
  finished.current = onFinished;
  const id = start?.id;
  const alreadyOver = start ? isFinal(start.status) : true;

  useEffect(() => {
    setState({ execution: start, progress: start?.progress ?? null, connection: alreadyOver ? 'done' : 'connecting', error: undefined });
    if (!id || alreadyOver) return;
    const controller = new AbortController();
    void followExecution(
      id,
      {
        onStatus: (execution) => {
          const over = isFinal(execution.status);
          setState((current) => ({ ...current, execution, progress: execution.progress ?? current.progress, connection: over ? 'done' : current.connection }));
          if (over) finished.current?.(execution);
        },
        onProgress: (progress) => setState((current) => ({ ...current, progress })),
        onConnection: (connection) => setState((current) => (current.connection === 'done' ? current : { ...current, connection })),
        onError: (error) => setState((current) => ({ ...current, error, connection: 'done' })),
      },
      controller.signal,
    );
    return () => controller.abort();
    // Follows one run: a new id starts over; the start row only seeds the state.
  }, [id, alreadyOver]);

  return state;
}
