import type { DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import type { JsonValue } from '../core/json.ts';
import { assertCollection, assertKey } from '../core/names.ts';
import { invalidOption, preview } from '../core/option-checks.ts';
import type { DocumentChange } from './pipeline/pipeline-api.ts';
import type { DatasetSlot } from './dataset-slot.ts';

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

export function openCollection<T extends JsonValue>(slot: DatasetSlot, name: string): Collection<T> {
  assertCollection(name, 'name');
  const pipeline = slot.pipeline;
  return {
    name,
    datasetId: slot.id,
    async put(key, value) {
      await pipeline.write([{ collection: name, key: assertKey(key), op: 'put', value }]);
    },
    async putMany(documents) {
      if (!Array.isArray(documents)) throw new SluiceError('invalid_payload', `putMany expects an array of { key, value }, got ${preview(documents)}.`, { field: 'documents' });
      const ops = documents.map((d: unknown, i) => {
        if (typeof d !== 'object' || d === null) throw new SluiceError('invalid_payload', `putMany: documents[${i}] must be an object { key, value }, got ${preview(d)}.`, { field: `documents[${i}]` });
        const { key, value } = d as { key?: unknown; value?: unknown };
        return { collection: name, key: assertKey(key), op: 'put' as const, value };
      });
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
      const forward = (changes: DocumentChange[]) => {
        const mine = changes.filter((c) => c.collection === name).map(({ key, value, origin }) => ({ key, value, origin }));
        if (mine.length > 0) listener(mine);
      };
      if (slot.listeners.size === 0) {
        void pipeline.setChangeListener((changes) => {
          for (const l of slot.listeners) {
            try {
              l(changes);
            } catch {
              // one subscriber's bug must not starve the others
            }
          }
        });
      }
      slot.listeners.add(forward);
      return () => {
        slot.listeners.delete(forward);
        if (slot.listeners.size === 0) void pipeline.setChangeListener(null).catch(() => undefined);
      };
    },
  };
}
