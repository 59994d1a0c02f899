import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Execution, Instance } from '../../../openapi/client';
import { followRuns, isFinal, type RunEventKind } from './events';
import { heardRun } from './live-runs';

export { withLiveRuns } from './live-runs';

/** Whether the tab is visible: streams are closed while it is hidden and reopened when it shows again. */
export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

export interface RunEventHandlers {
  onRun?: (kind: RunEventKind, execution: Execution) => void;
  onInstance?: (instance: Instance) => void;
  /** Runs may have been missed (the stream dropped, or the tab was hidden): read the page's data again. */
  onResync?: () => void;
}

export type RunEventsConnection = 'connecting' | 'live' | 'reconnecting' | 'paused' | 'failed';

/**
 * Follows the runs of one instance (every instance's for null) while the tab is visible: one event stream, no
 * polling. Hidden, the stream is closed; visible again, it is reopened and onResync asks for a fresh read, since
 * nothing is replayed. Closed when the component goes.
 */
export function useRunEvents(instanceId: string | null, handlers: RunEventHandlers): RunEventsConnection {
  const visible = usePageVisible();
  const [connection, setConnection] = useState<RunEventsConnection>('connecting');
  const current = useRef(handlers);
  current.current = handlers;
  const wasHidden = useRef(false);

  useEffect(() => {
    if (!visible) {
      wasHidden.current = true;
      setConnection('paused');
      return;
    }
    if (wasHidden.current) current.current.onResync?.();
    wasHidden.current = false;
    setConnection('connecting');
    const controller = new AbortController();
    void followRuns(
      instanceId,
      {
        onRun: (kind, execution) => current.current.onRun?.(kind, execution),
        onInstance: (instance) => current.current.onInstance?.(instance),
        onResync: () => current.current.onResync?.(),
        onConnection: setConnection,
        onError: () => setConnection('failed'),
      },
      controller.signal,
    );
    return () => controller.abort();
  }, [instanceId, visible]);

  return connection;
}

/** Runs heard and kept at most: a page open for days under a frequent schedule does not grow without end. */
const MAX_HEARD = 100;

export interface InstanceEvents {
  /** Runs heard on the stream since the page's data was last read, newest first, each as last heard. */
  runs: Execution[];
  /** The newest of them that has not ended: the run under way. */
  active: Execution | undefined;
  connection: RunEventsConnection;
}

/**
 * The instance page's live view: every run of the instance as it is queued, starts and ends, whoever started it, and
 * the instance after each end (handed to onInstance). onResync (after a drop, or the tab shown again) is the moment
 * to read the instance and its runs again; the runs heard so far are dropped then, the fresh read has them.
 */
export function useInstanceEvents(instanceId: string, handlers: { onInstance: (instance: Instance) => void; onResync: () => void }): InstanceEvents {
  const [runs, setRuns] = useState<Execution[]>([]);
  useEffect(() => setRuns([]), [instanceId]);
  const onRun = useCallback((_kind: RunEventKind, execution: Execution) => {
    setRuns((current) => heardRun(current, execution, MAX_HEARD));
  }, []);
  const { onInstance, onResync } = handlers;
  const connection = useRunEvents(instanceId, {
    onRun,
    onInstance,
    onResync: () => {
      setRuns([]);
      onResync();
    },
  });
  const active = useMemo(() => runs.find((execution) => !isFinal(execution.status)), [runs]);
  return { runs, active, connection };
}
