import type { StoredDocument } from '../../../src/core/document.ts';
import { assertCollection, assertKey } from '../../../src/core/names.ts';
import type { ApplyBatch, ApplyResult, DocumentRef, DocumentStore, ListOptions } from '../../../src/store/document-store.ts';
import { prepareBatch, prepareDocument, resolveListOptions } from '../../../src/store/validation.ts';
import type { PgContext } from './context.ts';
import { DOCUMENT_COLUMNS, toDocument } from './rows.ts';
import { appendEntries, resolveAndWrite, writeDocuments } from './writes.ts';
import { ensurePostgresIndexes, postgresQuery } from './query.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

export function postgresDocumentStore(ctx: PgContext): ScopedPort<DocumentStore> {
  return {
    get: async (datasetId, collection, key) => {
      const c = assertCollection(collection);
      const k = assertKey(key);
      const ds = await ctx.dataset(datasetId);
      const [row] = await ds.query(`SELECT ${DOCUMENT_COLUMNS} FROM ${ds.s}.documents WHERE ${ds.and(3)}collection = $1 AND key = $2`, ds.args([c, k]));
      return row && toDocument(row);
    },
    getMany: async (datasetId, refs: readonly DocumentRef[]) => {
      const wanted = refs.map((r) => ({ c: assertCollection(r.collection), k: assertKey(r.key) }));
      const ds = await ctx.dataset(datasetId);
      if (wanted.length === 0) return [];
      const rows = await ds.query(
        `SELECT ${DOCUMENT_COLUMNS} FROM ${ds.s}.documents JOIN (SELECT DISTINCT c, k FROM json_to_recordset($1::text::json) AS r(c text, k text)) r ON collection = r.c AND key = r.k${ds.rowsOf(2)}`,
        ds.args([JSON.stringify(wanted)]),
      );
      const found = new Map<string, StoredDocument>();
      for (const row of rows) {
        const doc = toDocument(row);
        found.set(`${doc.collection}\u0000${doc.key}`, doc);
      }
      return wanted.map((r) => found.get(`${r.c}\u0000${r.k}`));
    },
    put: async (datasetId, document) => {
      const prepared = prepareDocument(document, ctx.maxPayloadBytes);
      const ds = await ctx.dataset(datasetId);
      await ds.write('documents.put', (q) => writeDocuments(q, ds, [prepared]));
    },
    delete: async (datasetId, collection, key) => {
      const c = assertCollection(collection);
      const k = assertKey(key);
      const ds = await ctx.dataset(datasetId);
      return ds.write('documents.delete', async (q) => (await q(`DELETE FROM ${ds.s}.documents WHERE ${ds.and(3)}collection = $1 AND key = $2 RETURNING 1`, ds.args([c, k]))).length > 0);
    },
    list: async (datasetId, collection, options?: ListOptions) => {
      const c = assertCollection(collection);
      const { includeDeleted, afterKey, limit } = resolveListOptions(options);
      const ds = await ctx.dataset(datasetId);
      // LIMIT NULL is no limit.
      const rows = await ds.query(
        `SELECT ${DOCUMENT_COLUMNS} FROM ${ds.s}.documents WHERE ${ds.and(5)}collection = $1 AND ($2::boolean OR NOT deleted) AND ($3::text IS NULL OR key > $3::text) ORDER BY key LIMIT $4`,
        ds.args([c, includeDeleted, afterKey ?? null, limit === Number.POSITIVE_INFINITY ? null : limit]),
      );
      return rows.map(toDocument);
    },
    applyBatch: async (datasetId, batch: ApplyBatch): Promise<ApplyResult> => {
      const prepared = prepareBatch(datasetId, batch, ctx.maxPayloadBytes);
      const ds = await ctx.dataset(datasetId);
      return ds.write('documents.applyBatch', async (q) => {
        // Statements run in the order they are sent. The locked read goes first, so the documents
        // are resolved here while the server inserts the entries sent right after it.
        const documentsWritten = batch.resolveDocuments
          ? resolveAndWrite(q, ds, prepared.documents, batch.resolveDocuments, ctx.maxPayloadBytes)
          : writeDocuments(q, ds, prepared.documents).then(() => prepared.documents.length);
        const [entriesInserted, written] = await Promise.all([appendEntries(q, ds, ctx.writerId, prepared.entries), documentsWritten]);
        return { documentsWritten: written, entriesInserted };
      });
    },
    ensureIndexes: async (datasetId, collection, indexes) => ensurePostgresIndexes(await ctx.dataset(datasetId), collection, indexes),
    query: async (datasetId, collection, plan) => postgresQuery(await ctx.dataset(datasetId), collection, plan),
  };
}
