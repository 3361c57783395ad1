import type { DatasetId } from '../core/dataset-id.ts';
import type { JsonValue } from '../core/json.ts';
import { SluiceError } from '../core/errors.ts';
import { assertCollection, assertKey } from '../core/names.ts';
import type { DatasetReplica } from '../sync/replica.ts';

export interface CollectionChange {
  readonly key: string;
  /** The document after the change; undefined when it was deleted. */
  readonly value: JsonValue | undefined;
  readonly origin: 'local' | 'remote' | 'snapshot';
}

export interface Collection<T extends JsonValue = JsonValue> {
  readonly name: string;
  readonly datasetId: DatasetId;
  put(key: string, value: T): Promise<void>;
  /** Writes many documents as one atomic batch: one transaction, one round of sync work. */
  putMany(documents: readonly { key: string; value: T }[]): Promise<void>;
  get(key: string): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  /** Every live document, in key order. */
  all(): Promise<{ key: string; value: T }[]>;
  /** Called after every committed change to this collection, local or synced. */
  subscribe(listener: (changes: CollectionChange[]) => void): () => void;
}

export function openCollection<T extends JsonValue>(replica: DatasetReplica, name: string): Collection<T> {
  assertCollection(name);
  const ds = replica.datasetId;
  const store = replica.store.documents;
  return {
    name,
    datasetId: ds,
    async put(key, value) {
      await replica.write([{ collection: name, key: assertKey(key), op: 'put', value }]);
    },
    async putMany(documents) {
      if (!Array.isArray(documents)) throw new SluiceError('invalid_payload', 'putMany expects an array of { key, value }.');
      await replica.write(documents.map((d) => ({ collection: name, key: assertKey(d?.key), op: 'put' as const, value: d.value })));
    },
    async get(key) {
      const doc = await store.get(ds, name, assertKey(key));
      return doc === undefined || doc.deleted ? undefined : (doc.value as T);
    },
    async delete(key) {
      await replica.write([{ collection: name, key: assertKey(key), op: 'delete' }]);
    },
    async all() {
      const out: { key: string; value: T }[] = [];
      let afterKey: string | undefined;
      for (;;) {
        const page = await store.list(ds, name, { limit: 1000, ...(afterKey === undefined ? {} : { afterKey }) });
        for (const d of page) out.push({ key: d.key, value: d.value as T });
        if (page.length < 1000) return out;
        afterKey = page[page.length - 1]!.key;
      }
    },
    subscribe(listener) {
      return replica.subscribe((event) => {
        const changes = event.documents
          .filter((d) => d.collection === name)
          .map((d) => ({ key: d.key, value: d.deleted ? undefined : (d.value as JsonValue), origin: event.origin }));
        if (changes.length > 0) listener(changes);
      });
    },
  };
}
