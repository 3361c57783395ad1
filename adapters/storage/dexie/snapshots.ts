import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { StoredDocument } from '../../../src/core/document.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import { SNAPSHOT_FORMAT, type SnapshotImportOptions, type SnapshotStore } from '../../../src/store/snapshot-store.ts';
import { headsOf, newerDocument, parseSnapshot, prepareDocument } from '../../../src/store/validation.ts';
import type { DatasetTables, DexieContext } from './context.ts';
import { advanceAuthors, insertEntries } from './oplog-writes.ts';
import { documentRow, prefixRange, toAuthorHead, toDocument, toEntry, type DocumentKey } from './rows.ts';
import { OPLOG_BY_HLC, type TableName } from './schema.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

const SNAPSHOT_TABLES: readonly TableName[] = ['documents', 'oplog', 'heads', 'boundaries'];

export function dexieSnapshotStore(ctx: DexieContext): ScopedPort<SnapshotStore> {
  return {
    export: async (datasetId) => {
      ctx.check(datasetId);
      const [start, end] = prefixRange(datasetId);
      // One read transaction, so documents, oplog, heads and boundaries describe the same moment.
      return ctx.read(datasetId, SNAPSHOT_TABLES, async (t) => ({
        format: SNAPSHOT_FORMAT,
        datasetId,
        createdAt: Date.now(),
        documents: (await t.documents.where(':id').between(start, end, true, true).toArray()).map(toDocument),
        oplog: (await t.oplog.where(OPLOG_BY_HLC).between(start, end, true, true).toArray()).map(toEntry),
        heads: (await t.heads.where(':id').between(start, end, true, true).toArray()).map(toAuthorHead),
        boundaries: (await t.boundaries.where(':id').between(start, end, true, true).toArray()).map(toAuthorHead),
      }));
    },

    import: async (datasetId, raw, options: SnapshotImportOptions) => {
      ctx.check(datasetId);
      const snapshot = parseSnapshot(datasetId, raw, ctx.maxPayloadBytes);
      const mode = importMode(options);
      const merge = options.mergeDocument ?? newerDocument;
      const indexes = await ctx.indexesOf(datasetId);
      return ctx.write(datasetId, SNAPSHOT_TABLES, async (t) => {
        if (mode === 'replace') await clearDataset(t, datasetId);
        const documents = mode === 'merge' ? await mergeDocuments(t, datasetId, snapshot.documents, merge) : snapshot.documents;
        await t.documents.bulkPut(documents.map((d) => documentRow(datasetId, prepareDocument(d, ctx.maxPayloadBytes), indexes.get(d.collection))));
        const fresh = await insertEntries(t, datasetId, snapshot.oplog);
        await advanceAuthors(t.heads, datasetId, [...headsOf(fresh).values(), ...snapshot.heads]);
        await advanceAuthors(t.boundaries, datasetId, snapshot.boundaries);
        ctx.commit('snapshots.import');
        return { documents: snapshot.documents.length, entries: fresh.length };
      });
    },
  };
}

function importMode(options: SnapshotImportOptions): 'merge' | 'replace' {
  const mode = (options as Partial<SnapshotImportOptions> | undefined)?.mode;
  if (mode !== 'merge' && mode !== 'replace') {
    throw new SluiceError('invalid_options', `Snapshot import mode must be "merge" or "replace", got ${JSON.stringify(mode)}.`);
  }
  return mode;
}

/** replace: peers and checkpoints stay; everything the snapshot describes goes. */
async function clearDataset(t: DatasetTables, datasetId: DatasetId): Promise<void> {
  const [start, end] = prefixRange(datasetId);
  await t.documents.where(':id').between(start, end, true, true).delete();
  await t.oplog.where(':id').between(start, end, true, true).delete();
  await t.heads.where(':id').between(start, end, true, true).delete();
  await t.boundaries.where(':id').between(start, end, true, true).delete();
}

/**
 * The documents to write in merge mode: each incoming one folded with what is stored, or with an
 * earlier document of the same snapshot (in order, as if written one at a time).
 */
async function mergeDocuments(
  t: DatasetTables,
  datasetId: DatasetId,
  incoming: readonly StoredDocument[],
  merge: (local: StoredDocument, incoming: StoredDocument) => StoredDocument,
): Promise<StoredDocument[]> {
  const ref = (d: StoredDocument) => `${d.collection}\u0000${d.key}`;
  const stored = await t.documents.bulkGet(incoming.map((d): DocumentKey => [datasetId, d.collection, d.key]));
  const local = new Map<string, StoredDocument>();
  incoming.forEach((d, i) => {
    const row = stored[i];
    if (row && !local.has(ref(d))) local.set(ref(d), toDocument(row));
  });
  const written = new Map<string, StoredDocument>();
  for (const d of incoming) {
    const current = written.get(ref(d)) ?? local.get(ref(d));
    const next = current ? merge(current, d) : d;
    written.set(ref(next), next);
  }
  return [...written.values()];
}
