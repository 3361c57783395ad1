import type { DatasetId } from '../../../src/core/dataset-id.ts';
import { SNAPSHOT_FORMAT, type DatasetSnapshot, type SnapshotImportOptions, type SnapshotImportResult, type SnapshotStore } from '../../../src/store/snapshot-store.ts';
import { byCollectionKey, newerDocument, parseSnapshot, prepareDocument } from '../../../src/store/validation.ts';
import type { StoreContext } from './context.ts';
import { DOCUMENT_COLUMNS, ENTRY_COLUMNS, HEAD_COLUMNS, toDocument, toEntry, toHead } from './rows.ts';
import type { SqliteSession } from './session.ts';
import { advance, appendEntries, writeDocument } from './writes.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

const SQL = {
  documents: `SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE dataset_id = ? ORDER BY collection, key`,
  document: `SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE dataset_id = ? AND collection = ? AND key = ?`,
  oplog: `SELECT ${ENTRY_COLUMNS} FROM oplog WHERE dataset_id = ? ORDER BY wall, logic, node`,
  heads: `SELECT ${HEAD_COLUMNS} FROM heads WHERE dataset_id = ? ORDER BY node`,
  boundaries: `SELECT ${HEAD_COLUMNS} FROM boundaries WHERE dataset_id = ? ORDER BY node`,
};

/** What replace drops: the dataset's replicated state. Peers and checkpoints are the node's own and stay. */
const REPLACED_TABLES = ['documents', 'oplog', 'heads', 'boundaries'] as const;

export function sqliteSnapshotStore(ctx: StoreContext): ScopedPort<SnapshotStore> {
  return {
    export: async (datasetId): Promise<DatasetSnapshot> => {
      const session = ctx.session(datasetId);
      return session.read(() => ({
        format: SNAPSHOT_FORMAT,
        datasetId,
        createdAt: Date.now(),
        documents: session.statement(SQL.documents).all(datasetId).map(toDocument).sort(byCollectionKey),
        oplog: session.statement(SQL.oplog).all(datasetId).map((r) => toEntry(datasetId, r)),
        heads: session.statement(SQL.heads).all(datasetId).map(toHead),
        boundaries: session.statement(SQL.boundaries).all(datasetId).map(toHead),
      }));
    },
    import: async (datasetId, raw, options: SnapshotImportOptions): Promise<SnapshotImportResult> => {
      const session = ctx.session(datasetId);
      const snapshot = parseSnapshot(datasetId, raw, ctx.maxPayloadBytes);
      return session.write('snapshots.import', () => importSnapshot(session, datasetId, snapshot, options, ctx.maxPayloadBytes));
    },
  };
}

function importSnapshot(session: SqliteSession, datasetId: DatasetId, snapshot: DatasetSnapshot, options: SnapshotImportOptions, maxPayloadBytes: number): SnapshotImportResult {
  const merging = options.mode === 'merge';
  if (!merging) {
    for (const table of REPLACED_TABLES) session.statement(`DELETE FROM ${table} WHERE dataset_id = ?`).run(datasetId);
  }
  const merge = options.mergeDocument ?? newerDocument;
  const find = session.statement(SQL.document);
  for (const incoming of snapshot.documents) {
    const row = merging ? find.get(datasetId, incoming.collection, incoming.key) : undefined;
    const next = row ? merge(toDocument(row), incoming) : incoming;
    // Re-validated because a custom merge may return anything.
    writeDocument(session, datasetId, prepareDocument(next, maxPayloadBytes));
  }
  const entries = appendEntries(session, datasetId, snapshot.oplog);
  for (const head of snapshot.heads) advance(session, 'heads', datasetId, head);
  for (const boundary of snapshot.boundaries) advance(session, 'boundaries', datasetId, boundary);
  return { documents: snapshot.documents.length, entries };
}
