import { useMemo, useSyncExternalStore } from 'react';
import type { Collection } from '../../../src/index.ts';
import { sourceStore } from './external-store.ts';

export interface DocumentState<T> {
  /** The document, or undefined when there is none (or while loading). */
  readonly value: T | undefined;
  readonly loading: boolean;
  readonly error: unknown;
}

const LOADING: DocumentState<never> = { value: undefined, loading: true, error: null };

/** One document, kept current: `const { value } = useDocument(todos, 't1')`. */
export function useDocument<T>(collection: Collection<T, never> | null | undefined, key: string | null | undefined): DocumentState<T> {
  const store = useMemo(
    () =>
      sourceStore<DocumentState<T>>(LOADING, (set) => {
        if (!collection || key === null || key === undefined) return () => undefined;
        // A change that arrives before the first read answers is newer than that answer.
        let changed = false;
        const stop = collection.subscribe((changes) => {
          for (const c of changes) {
            if (c.key !== key) continue;
            changed = true;
            set({ value: c.value as T | undefined, loading: false, error: null });
          }
        });
        collection.get(key).then(
          (value) => {
            if (!changed) set({ value, loading: false, error: null });
          },
          (error: unknown) => set({ value: undefined, loading: false, error }),
        );
        return stop;
      }),
    [collection, key],
  );
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}
