import { SluiceError } from '../../../src/core/errors.ts';
import { assertCollection, assertKey } from '../../../src/core/names.ts';
import type { DocumentStore, ListOptions } from '../../../src/store/document-store.ts';
import { headsOf, prepareBatch, prepareDocument } from '../../../src/store/validation.ts';
import type { DexieContext } from './context.ts';
import { advanceAuthors, insertEntries } from './oplog-writes.ts';
import { documentRow, prefixRange, toDocument, type DocumentKey } from './rows.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

export function dexieDocumentStore(ctx: DexieContext): ScopedPort<DocumentStore> {
  return {
    get: async (datasetId, collection, key) => {
      ctx.check(datasetId);
      const id: DocumentKey = [datasetId, assertCollection(collection), assertKey(key)];
      const row = await ctx.read(datasetId, ['documents'], (t) => t.documents.get(id));
      return row && toDocument(row);
    },

    getMany: async (datasetId, refs) => {
      ctx.check(datasetId);
      const ids = refs.map((r): DocumentKey => [datasetId, assertCollection(r.collection), assertKey(r.key)]);
      const rows = await ctx.read(datasetId, ['documents'], (t) => t.documents.bulkGet(ids));
      return rows.map((row) => row && toDocument(row));
    },

    put: async (datasetId, document) => {
      ctx.check(datasetId);
      const row = documentRow(datasetId, prepareDocument(document, ctx.maxPayloadBytes));
      await ctx.write(datasetId, ['documents'], async (t) => {
        await t.documents.put(row);
        ctx.commit('documents.put');
      });
    },

    delete: async (datasetId, collection, key) => {
      ctx.check(datasetId);
      const id: DocumentKey = [datasetId, assertCollection(collection), assertKey(key)];
      return ctx.write(datasetId, ['documents'], async (t) => {
        const existed = (await t.documents.where(':id').equals(id).count()) > 0;
        await t.documents.delete(id);
        ctx.commit('documents.delete');
        return existed;
      });
    },

    list: async (datasetId, collection, options: ListOptions = {}) => {
      ctx.check(datasetId);
      assertCollection(collection);
      const { afterKey, limit } = listOptions(options);
      if (limit === 0) return [];
      const [start, end] = prefixRange(datasetId, collection);
      const rows = await ctx.read(datasetId, ['documents'], (t) => {
        let range = afterKey === undefined
          ? t.documents.where(':id').between(start, end, true, true)
          : t.documents.where(':id').between([datasetId, collection, afterKey], end, false, true);
        if (!options.includeDeleted) range = range.filter((r) => !r.deleted);
        return (limit === undefined ? range : range.limit(limit)).toArray();
      });
      return rows.map(toDocument);
    },

    applyBatch: async (datasetId, batch) => {
      ctx.check(datasetId);
      const prepared = prepareBatch(datasetId, batch, ctx.maxPayloadBytes);
      const rows = prepared.documents.map((d) => documentRow(datasetId, d));
      return ctx.write(datasetId, ['documents', 'oplog', 'heads'], async (t) => {
        await t.documents.bulkPut(rows);
        const fresh = await insertEntries(t, datasetId, prepared.entries);
        await advanceAuthors(t.heads, datasetId, headsOf(fresh).values());
        ctx.commit('documents.applyBatch');
        return { documentsWritten: rows.length, entriesInserted: fresh.length };
      });
    },
  };
}

/** ListOptions has no shared validator; IndexedDB needs a string key and a whole-number limit. */
function listOptions(options: ListOptions): { afterKey: string | undefined; limit: number | undefined } {
  const { afterKey, limit } = options;
  if (afterKey !== undefined && typeof afterKey !== 'string') {
    throw new SluiceError('invalid_key', `afterKey must be a document key (a string), got ${typeof afterKey}.`);
  }
  if (limit === undefined || limit === Number.POSITIVE_INFINITY) return { afterKey, limit: undefined };
  if (!Number.isInteger(limit) || limit < 0) {
    throw new SluiceError('invalid_options', `limit must be a non-negative integer, got ${String(limit)}.`);
  }
  return { afterKey, limit };
}
