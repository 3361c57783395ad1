/**
 * A value that changes over time, in the shape useSyncExternalStore reads: `get` returns the same
 * object until something changes, `subscribe` starts the source and returns its stop.
 */
export interface ExternalStore<S> {
  readonly subscribe: (onChange: () => void) => () => void;
  readonly get: () => S;
}

/**
 * A store fed by a source that starts on the first subscriber and stops with the last. React may
 * subscribe, unsubscribe and subscribe again (StrictMode does, on purpose); the last snapshot is
 * kept across, so a re-subscribe never flashes back to the initial state.
 */
export function sourceStore<S>(initial: S, start: (set: (next: S) => void) => () => void): ExternalStore<S> {
  let snapshot = initial;
  const listeners = new Set<() => void>();
  let stop: (() => void) | null = null;
  const set = (next: S) => {
    snapshot = next;
    for (const l of listeners) l();
  };
  return {
    get: () => snapshot,
    subscribe(onChange) {
      listeners.add(onChange);
      if (listeners.size === 1) stop = start(set);
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0) {
          stop?.();
          stop = null;
        }
      };
    },
  };
}
