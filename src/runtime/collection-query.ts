import { SluiceError } from '../core/errors.ts';
import type { JsonValue } from '../core/json.ts';
import { invalidOption } from '../core/option-checks.ts';
import type { QueryExplanation } from '../store/query/plan.ts';
import { normalizeQuery, type QueryOptions } from '../store/query/query-spec.ts';
import type { CollectionChange } from './collection.ts';
import { listenToCollection } from './collection-changes.ts';
import type { DatasetSlot } from './dataset-slot.ts';
import { diffRows, LiveQueryState, type QueryResult, type QueryRow } from './live-query.ts';

/** `collection.query({ where, orderBy, limit, offset })`. */
export interface Query<T> {
  /** The matching documents now, in the query's order. */
  run(): Promise<QueryRow<T>[]>;
  /** Which declared index the query runs on (null: it reads the whole collection). */
  explain(): Promise<QueryExplanation>;
  /**
   * A live query: `listener` gets the result set, then a new one (with what changed) after every
   * committed write that changes it, local, synced or from another tab. Returns the unsubscribe.
   */
  subscribe(listener: (result: QueryResult<T>) => void, onError?: (error: unknown) => void): () => void;
}

export function openQuery<T>(slot: DatasetSlot, collection: string, options: QueryOptions | undefined): Query<T> {
  // Checked here, where the app calls: a bad query fails at once, and never crosses to a worker.
  const query = normalizeQuery(options);
  const pipeline = slot.pipeline;
  return {
    run: () => pipeline.query(collection, query) as Promise<QueryRow<T>[]>,
    explain: () => pipeline.explain(collection, query),
    subscribe(listener, onError) {
      if (typeof listener !== 'function') throw invalidOption('listener', 'a function', listener, 'pass (result) => void, called with { documents, changes }');
      if (onError !== undefined && typeof onError !== 'function') throw invalidOption('onError', 'a function', onError);
      const state = new LiveQueryState(query);
      let delivered: readonly QueryRow<JsonValue>[] | null = null;
      let pending: CollectionChange[] = [];
      let mustRun = true;
      let pumping = false;
      let closed = false;

      const deliver = () => {
        const documents = [...state.documents];
        const changes = delivered === null ? null : diffRows(delivered, documents);
        if (changes && changes.added.length + changes.updated.length + changes.removed.length === 0) return;
        delivered = documents;
        listener({ documents, changes } as unknown as QueryResult<T>);
      };
      // One pass at a time, so results are delivered in commit order. Changes that arrive while
      // the query runs are folded in afterwards: folding one the read already saw changes nothing.
      const pump = async () => {
        if (pumping) return;
        pumping = true;
        try {
          while (!closed && (mustRun || pending.length > 0)) {
            if (mustRun) {
              mustRun = false;
              pending = [];
              state.reset(await pipeline.query(collection, query));
            } else {
              const batch = pending;
              pending = [];
              if (!state.apply(batch)) {
                mustRun = true;
                continue;
              }
            }
            if (!closed && !mustRun && pending.length === 0) deliver();
          }
        } catch (error) {
          // The next change reads the whole result again rather than folding into a stale one.
          mustRun = true;
          if (!closed) (onError ?? reportUnhandled)(error);
        } finally {
          pumping = false;
        }
      };
      const unlisten = listenToCollection(slot, collection, (changes) => {
        pending.push(...changes);
        void pump();
      });
      const resync = () => {
        mustRun = true;
        void pump();
      };
      slot.resyncs.add(resync);
      void pump();
      return () => {
        closed = true;
        slot.resyncs.delete(resync);
        unlisten();
      };
    },
  };
}

function reportUnhandled(error: unknown): void {
  console.error(error instanceof SluiceError ? `sluice: a live query failed (${error.code}): ${error.message}` : error);
}
