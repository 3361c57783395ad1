import type { DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import type { JsonValue } from '../core/json.ts';
import { assertCollection, assertKey } from '../core/names.ts';
import { invalidOption, preview } from '../core/option-checks.ts';
import type { QueryOptions } from '../store/query/query-spec.ts';
import { listenToCollection } from './collection-changes.ts';
import { openQuery, type Query } from './collection-query.ts';
import type { DatasetSlot } from './dataset-slot.ts';
import { assertCollectionOptions, validateDocument, type CollectionOptions } from './collection-schema.ts';

export interface CollectionChange {
  readonly key: string;
  /** The document after the change; undefined when it was deleted. */
  readonly value: JsonValue | undefined;
  readonly origin: 'local' | 'remote' | 'snapshot';
}

/**
 * A collection of documents. `T` is what reads return; `TInput` what writes take (they differ when
 * a schema transforms, e.g. fills defaults). Both come from the schema when there is one.
 */
export interface Collection<T = JsonValue, TInput = T> {
  readonly name: string;
  readonly datasetId: DatasetId;
  /** With a schema, the value is validated first and what the schema outputs is stored. */
  put(key: string, value: TInput): Promise<void>;
  /** Writes many documents as one atomic batch: one transaction, one round of sync work. All are validated before any is written. */
  putMany(documents: readonly { key: string; value: TInput }[]): Promise<void>;
  get(key: string): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  /** Every live document, in key order. */
  all(): Promise<{ key: string; value: T }[]>;
  /** Called after every committed change to this collection, local or synced. */
  subscribe(listener: (changes: CollectionChange[]) => void): () => void;
  /**
   * The documents that match `where`, in `orderBy` order, paged by `offset` and `limit`. Runs on
   * the collection's declared `indexes` where one fits; `.subscribe()` keeps it live.
   */
  query(options?: QueryOptions): Query<T>;
}

export function openCollection<T, TInput = T>(slot: DatasetSlot, name: string, options?: CollectionOptions): Collection<T, TInput> {
  assertCollection(name, 'name');
  const { schema, indexes } = assertCollectionOptions(options);
  const pipeline = slot.pipeline;
  // Declared now, so writes from here on keep them current and queries find them built; a
  // failure to build one surfaces on the queries, which wait for it.
  if (indexes.length > 0) pipeline.declareIndexes(name, indexes.map((i) => [...i.fields])).catch(() => undefined);
  // Validated where the write is made, before it crosses to a dataset worker: a schema is code.
  const checked = (key: string, value: unknown) => (schema ? validateDocument(schema, name, key, value) : value);
  return {
    name,
    datasetId: slot.id,
    async put(key, value) {
      const k = assertKey(key);
      await pipeline.write([{ collection: name, key: k, op: 'put', value: await checked(k, value) }]);
    },
    async putMany(documents) {
      if (!Array.isArray(documents)) throw new SluiceError('invalid_payload', `putMany expects an array of { key, value }, got ${preview(documents)}.`, { field: 'documents' });
      const ops = [];
      for (const [i, d] of (documents as unknown[]).entries()) {
        if (typeof d !== 'object' || d === null) throw new SluiceError('invalid_payload', `putMany: documents[${i}] must be an object { key, value }, got ${preview(d)}.`, { field: `documents[${i}]` });
        const { key, value } = d as { key?: unknown; value?: unknown };
        const k = assertKey(key);
        ops.push({ collection: name, key: k, op: 'put' as const, value: await checked(k, value) });
      }
      await pipeline.write(ops);
    },
    async get(key) {
      return (await pipeline.get(name, assertKey(key))) as T | undefined;
    },
    async delete(key) {
      await pipeline.write([{ collection: name, key: assertKey(key), op: 'delete' }]);
    },
    async all() {
      return (await pipeline.list(name)) as { key: string; value: T }[];
    },
    subscribe(listener) {
      if (typeof listener !== 'function') throw invalidOption('listener', 'a function', listener, 'pass (changes) => void, which is called with the changes after every commit');
      return listenToCollection(slot, name, listener);
    },
    query(options) {
      return openQuery<T>(slot, name, options);
    },
  };
}
