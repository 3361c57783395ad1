import type { StoredDocument } from '../../../src/core/document.ts';
import { SNAPSHOT_FORMAT, type DatasetSnapshot, type SnapshotImportOptions, type SnapshotImportResult, type SnapshotStore } from '../../../src/store/snapshot-store.ts';
import { byCollectionKey, newerDocument, parseSnapshot, prepareDocument, type PreparedDocument } from '../../../src/store/validation.ts';
import type { PgContext } from './context.ts';
import type { DatasetSchema, Query } from './dataset-schema.ts';
import { DOCUMENT_COLUMNS, ENTRY_COLUMNS, HEAD_COLUMNS, toDocument, toEntry, toHead } from './rows.ts';
import { advance, appendEntries, lockDocuments, writeDocuments } from './writes.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

/** What replace drops: the dataset's replicated state. Peers and checkpoints are the node's own and stay. */
const REPLACED_TABLES = ['documents', 'oplog', 'heads', 'boundaries'] as const;

export function postgresSnapshotStore(ctx: PgContext): ScopedPort<SnapshotStore> {
  return {
    export: async (datasetId): Promise<DatasetSnapshot> => {
      const ds = await ctx.dataset(datasetId);
      // One consistent view of all four tables, whatever other writers commit meanwhile.
      return ds.sql.begin('isolation level repeatable read read only', async (tx) => {
        const q: Query = (text, params = []) => tx.unsafe(text, params as never[], { prepare: true }) as unknown as Promise<Record<string, unknown>[]>;
        const [documents, oplog, heads, boundaries] = await Promise.all([
          q(`SELECT ${DOCUMENT_COLUMNS} FROM ${ds.s}.documents${ds.rowsOf(1)} ORDER BY collection, key`, ds.args([])),
          q(`SELECT ${ENTRY_COLUMNS} FROM ${ds.s}.oplog${ds.rowsOf(1)} ORDER BY wall, logic, node`, ds.args([])),
          q(`SELECT ${HEAD_COLUMNS} FROM ${ds.s}.heads${ds.rowsOf(1)} ORDER BY node`, ds.args([])),
          q(`SELECT ${HEAD_COLUMNS} FROM ${ds.s}.boundaries${ds.rowsOf(1)} ORDER BY node`, ds.args([])),
        ]);
        return {
          format: SNAPSHOT_FORMAT,
          datasetId,
          createdAt: Date.now(),
          documents: documents.map(toDocument).sort(byCollectionKey),
          oplog: oplog.map((r) => toEntry(datasetId, r)),
          heads: heads.map(toHead),
          boundaries: boundaries.map(toHead),
        };
      }) as Promise<DatasetSnapshot>;
    },
    import: async (datasetId, raw, options: SnapshotImportOptions): Promise<SnapshotImportResult> => {
      const snapshot = parseSnapshot(datasetId, raw, ctx.maxPayloadBytes);
      const ds = await ctx.dataset(datasetId);
      return ds.write('snapshots.import', (q) => importSnapshot(q, ds, ctx, snapshot, options));
    },
  };
}

async function importSnapshot(q: Query, ds: DatasetSchema, ctx: PgContext, snapshot: DatasetSnapshot, options: SnapshotImportOptions): Promise<SnapshotImportResult> {
  const merging = options.mode === 'merge';
  if (!merging) for (const table of REPLACED_TABLES) await q(`DELETE FROM ${ds.s}.${table}${ds.rowsOf(1)}`, ds.args([]));
  const merge = options.mergeDocument ?? newerDocument;
  // Documents in snapshot order, each merged with what is stored (or was written earlier in this
  // import): the same outcome as writing them one by one.
  const current = merging ? await lockDocuments(q, ds, snapshot.documents) : new Map<string, StoredDocument>();
  const written = new Map<string, PreparedDocument>();
  for (const incoming of snapshot.documents) {
    const k = `${incoming.collection}\u0000${incoming.key}`;
    const stored = merging ? current.get(k) : undefined;
    // Re-validated because a custom merge may return anything.
    const next = prepareDocument(stored ? merge(stored, incoming) : incoming, ctx.maxPayloadBytes);
    written.set(k, next);
    if (merging) current.set(k, next.doc);
  }
  await writeDocuments(q, ds, [...written.values()]);
  const entries = await appendEntries(q, ds, ctx.writerId, snapshot.oplog);
  await advance(q, ds, 'heads', snapshot.heads);
  await advance(q, ds, 'boundaries', snapshot.boundaries);
  return { documents: snapshot.documents.length, entries };
}
