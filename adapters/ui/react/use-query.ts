import { useMemo, useSyncExternalStore } from 'react';
import type { Collection, QueryOptions, QueryRow } from '../../../src/index.ts';
import { sourceStore, type ExternalStore } from './external-store.ts';

export interface QueryState<T> {
  /** The matching documents, in the query's order; empty until the first result. */
  readonly documents: readonly QueryRow<T>[];
  /** True until the first result arrives. */
  readonly loading: boolean;
  /** A refused query (invalid_query) or a failed read; the last result stays in `documents`. */
  readonly error: unknown;
}

const LOADING: QueryState<never> = { documents: [], loading: true, error: null };

/**
 * A live query: `const { documents } = useQuery(todos, { where: { done: false }, orderBy: 'title' })`.
 * The component renders again when the result changes (local writes, synced ones, other tabs').
 * The options are compared by value, so an inline object does not restart the query each render.
 */
export function useQuery<T>(collection: Collection<T, never> | null | undefined, options?: QueryOptions): QueryState<T> {
  const key = JSON.stringify(options ?? null);
  const store = useMemo((): ExternalStore<QueryState<T>> => {
    if (!collection) return sourceStore<QueryState<T>>(LOADING, () => () => undefined);
    return sourceStore<QueryState<T>>(LOADING, (set) => {
      let last: QueryState<T> = LOADING;
      const update = (next: QueryState<T>) => set((last = next));
      try {
        return collection.query(options).subscribe(
          (result) => update({ documents: result.documents, loading: false, error: null }),
          (error) => update({ ...last, loading: false, error }),
        );
      } catch (error) {
        update({ documents: [], loading: false, error });
        return () => undefined;
      }
    });
    // `key` stands for `options` by value.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [collection, key]);
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}
