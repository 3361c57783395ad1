import { SluiceError } from '../../../src/core/errors.ts';
import { assertCollection, assertKey } from '../../../src/core/names.ts';
import type { DocumentStore, ListOptions } from '../../../src/store/document-store.ts';
import { headsOf, prepareBatch, prepareDocument } from '../../../src/store/validation.ts';
import type { DexieContext } from './context.ts';
import type { Collection, IndexableType } from 'dexie';
import type { JsonValue } from '../../../src/core/json.ts';
import type { IndexSpec } from '../../../src/store/query/index-spec.ts';
import { compareForQuery, matchesQuery, page } from '../../../src/store/query/evaluate.ts';
import { indexKey, planRange } from './query-keys.ts';
import { advanceAuthors, insertEntries } from './oplog-writes.ts';
import { documentRow, prefixRange, toDocument, type DocumentKey, type DocumentRow } from './rows.ts';
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
      const prepared = prepareDocument(document, ctx.maxPayloadBytes);
      const row = documentRow(datasetId, prepared, (await ctx.indexesOf(datasetId)).get(prepared.doc.collection));
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
      const indexes = await ctx.indexesOf(datasetId);
      const rows = prepared.documents.map((d) => documentRow(datasetId, d, indexes.get(d.doc.collection)));
      return ctx.write(datasetId, ['documents', 'oplog', 'heads'], async (t) => {
        await t.documents.bulkPut(rows);
        const fresh = await insertEntries(t, datasetId, prepared.entries);
        await advanceAuthors(t.heads, datasetId, headsOf(fresh).values());
        ctx.commit('documents.applyBatch');
        return { documentsWritten: rows.length, entriesInserted: fresh.length };
      });
    },

    ensureIndexes: async (datasetId, collection, indexes) => {
      ctx.check(datasetId);
      const c = assertCollection(collection);
      const declared = await ctx.indexesOf(datasetId);
      const known = declared.get(c) ?? [];
      const added = indexes.filter((i) => !known.some((k) => k.name === i.name));
      if (added.length === 0) return;
      const all = [...known, ...added];
      const [start, end] = prefixRange(datasetId, c);
      await ctx.write(datasetId, ['documents', 'queryIndexes'], async (t) => {
        await t.queryIndexes.put({ datasetId, collection: c, indexes: all.map((i) => [...i.fields]) });
        // Documents stored before the index existed get their keys now, in pages so a large
        // collection never has to be in memory at once.
        let after: DocumentKey | undefined;
        for (;;) {
          const range = after === undefined ? t.documents.where(':id').between(start, end, true, true) : t.documents.where(':id').between(after, end, false, true);
          const page = await range.limit(BACKFILL_PAGE).toArray();
          if (page.length === 0) break;
          await t.documents.bulkPut(page.map((row) => withIndexKeys(row, all)));
          after = [datasetId, c, page[page.length - 1]!.key];
        }
        ctx.commit('documents.ensureIndexes');
      });
      declared.set(c, all);
    },

    query: async (datasetId, collection, plan) => {
      ctx.check(datasetId);
      const c = assertCollection(collection);
      const q = plan.query;
      const rows = await ctx.read(datasetId, ['documents'], async (t) => {
        let candidates: Collection<DocumentRow, DocumentKey>;
        let unanswered = q.conditions;
        if (plan.index) {
          const range = planRange(datasetId, c, { ...plan, index: plan.index });
          candidates = t.documents.where('qk').between(range.lower as IndexableType, range.upper as IndexableType, !range.lowerOpen, !range.upperOpen);
          unanswered = q.conditions.filter((cond) => !range.answered.has(cond));
        } else {
          const [start, end] = prefixRange(datasetId, c);
          candidates = t.documents.where(':id').between(start, end, true, true);
        }
        const check = { ...q, conditions: unanswered };
        // Index entries exist only for live documents; a scan meets tombstones too.
        const keep = (row: DocumentRow) => !row.deleted && (unanswered.length === 0 || matchesQuery(parseValue(row), check));
        if (plan.sorted) {
          // Index entries exist only for live documents: with nothing left to check, the range is
          // read as it is (IndexedDB's getAll with a count), not through a filtering cursor.
          let ordered = plan.index && unanswered.length === 0 ? candidates : candidates.filter(keep);
          if (plan.descending) ordered = ordered.reverse();
          if (q.offset > 0) ordered = ordered.offset(q.offset);
          return (q.limit === null ? ordered : ordered.limit(q.limit)).toArray();
        }
        const hits = (await candidates.filter(keep).toArray()).map((row) => ({ row, key: row.key, value: parseValue(row) }));
        hits.sort(compareForQuery(q));
        return page(hits, q).map((h) => h.row);
      });
      return rows.map((row) => ({ key: row.key, value: parseValue(row) ?? null }));
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

/** Documents re-keyed per transaction step while an index is backfilled. */
const BACKFILL_PAGE = 500;

function parseValue(row: DocumentRow): JsonValue | undefined {
  return row.valueJson === null ? null : (JSON.parse(row.valueJson) as JsonValue);
}

function withIndexKeys(row: DocumentRow, indexes: readonly IndexSpec[]): DocumentRow {
  if (row.deleted) return row;
  const value = parseValue(row) ?? null;
  return { ...row, qk: indexes.map((index) => indexKey(row.datasetId, row.collection, index, value)) };
}
