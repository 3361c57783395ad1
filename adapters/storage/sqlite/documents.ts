import type { StoredDocument } from '../../../src/core/document.ts';
import { assertCollection, assertKey, MAX_KEY_LENGTH } from '../../../src/core/names.ts';
import type { ApplyBatch, ApplyResult, DocumentRef, DocumentStore, ListOptions } from '../../../src/store/document-store.ts';
import { prepareBatch, prepareDocument, resolveListOptions } from '../../../src/store/validation.ts';
import type { StoreContext } from './context.ts';
import { DOCUMENT_COLUMNS, toDocument } from './rows.ts';
import { appendEntries, writeDocument, writeDocuments } from './writes.ts';
import { ensureSqliteIndexes, sqliteQuery } from './query.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

const GET = `SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE dataset_id = ? AND collection = ? AND key = ?`;
/*
 * Many keys of one collection in one statement: the keys travel as one JSON array parameter, so a
 * single prepared statement serves any count, and SQLite walks the primary key index once per key
 * without a round trip through the driver for each (a replica reads 5,000 current documents before
 * applying a pulled batch).
 */
const GET_IN = `SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE dataset_id = ? AND collection = ? AND key IN (SELECT value FROM json_each(?))`;
const DELETE = 'DELETE FROM documents WHERE dataset_id = ? AND collection = ? AND key = ?';
/** The JSON of one key at most: every code unit escaped (\u001f), quotes and a comma. */
const MAX_KEY_JSON_BYTES = MAX_KEY_LENGTH * 6 + 3;

/* LIMIT -1 means no limit in SQLite. Tombstones are filtered in SQL but still walked by the key index. */
const listSql = (live: boolean, after: boolean) =>
  `SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE dataset_id = ? AND collection = ?` +
  `${live ? ' AND deleted = 0' : ''}${after ? ' AND key > ?' : ''} ORDER BY key LIMIT ?`;
const LIST = [listSql(false, false), listSql(false, true), listSql(true, false), listSql(true, true)] as const;

export function sqliteDocumentStore(ctx: StoreContext): ScopedPort<DocumentStore> {
  return {
    get: async (datasetId, collection, key) => {
      const session = ctx.session(datasetId);
      const row = session.statement(GET).get(datasetId, assertCollection(collection), assertKey(key));
      return row && toDocument(row);
    },
    getMany: async (datasetId, refs: readonly DocumentRef[]) => {
      const session = ctx.session(datasetId);
      const byCollection = new Map<string, string[]>();
      for (const r of refs) {
        const collection = assertCollection(r.collection);
        const keys = byCollection.get(collection);
        if (keys) keys.push(assertKey(r.key));
        else byCollection.set(collection, [assertKey(r.key)]);
      }
      const getIn = session.statement(GET_IN);
      const found = session.read(() => {
        const rows = new Map<string, Map<string, StoredDocument>>();
        // The array is one bound string: on engines with a row limit (which bounds strings too) it
        // goes in as many parts as needed.
        const rowLimit = session.limits?.rowBytes;
        const perCall = rowLimit === undefined ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(rowLimit / MAX_KEY_JSON_BYTES));
        for (const [collection, keys] of byCollection) {
          const docs = new Map<string, StoredDocument>();
          for (let i = 0; i < keys.length; i += perCall) {
            const part = perCall >= keys.length ? keys : keys.slice(i, i + perCall);
            for (const row of getIn.all(datasetId, collection, JSON.stringify(part))) {
              const doc = toDocument(row);
              docs.set(doc.key, doc);
            }
          }
          rows.set(collection, docs);
        }
        return rows;
      });
      return refs.map((r) => found.get(r.collection)!.get(r.key));
    },
    put: async (datasetId, document) => {
      const session = ctx.session(datasetId);
      const prepared = prepareDocument(document, ctx.maxPayloadBytes);
      session.write('documents.put', () => writeDocument(session, datasetId, prepared));
    },
    delete: async (datasetId, collection, key) => {
      const session = ctx.session(datasetId);
      const c = assertCollection(collection);
      const k = assertKey(key);
      return session.write('documents.delete', () => session.statement(DELETE).run(datasetId, c, k).changes > 0);
    },
    list: async (datasetId, collection, options?: ListOptions) => {
      const session = ctx.session(datasetId);
      assertCollection(collection);
      const resolved = resolveListOptions(options);
      // SQLite reads LIMIT -1 as "no limit".
      const limit = resolved.limit === Number.POSITIVE_INFINITY ? -1 : resolved.limit;
      const after = resolved.afterKey !== undefined;
      const sql = LIST[(resolved.includeDeleted ? 0 : 2) + (after ? 1 : 0)]!;
      const params = after ? [datasetId, collection, resolved.afterKey!, limit] : [datasetId, collection, limit];
      return session.statement(sql).all(...params).map(toDocument);
    },
    applyBatch: async (datasetId, batch: ApplyBatch): Promise<ApplyResult> => {
      const session = ctx.session(datasetId);
      const prepared = prepareBatch(datasetId, batch, ctx.maxPayloadBytes);
      return session.write('documents.applyBatch', () => {
        writeDocuments(session, datasetId, prepared.documents);
        const entriesInserted = appendEntries(session, datasetId, prepared.entries);
        return { documentsWritten: prepared.documents.length, entriesInserted };
      });
    },
    ensureIndexes: async (datasetId, collection, indexes) => {
      ensureSqliteIndexes(ctx.session(datasetId), collection, indexes);
    },
    query: async (datasetId, collection, plan) => sqliteQuery(ctx.session(datasetId), datasetId, collection, plan),
  };
}
