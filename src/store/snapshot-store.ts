import type { DatasetId } from '../core/dataset-id.ts';
import type { StoredDocument } from '../core/document.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';
import type { AuthorHead, PruneBoundary } from './oplog-store.ts';

export const SNAPSHOT_FORMAT = 'sluice-snapshot/1';

/** Everything needed to rebuild one dataset elsewhere: documents, oplog, vector clock, boundaries. */
export interface DatasetSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly datasetId: DatasetId;
  readonly createdAt: number;
  /** Ordered by collection, then key (UTF-16 code units), so equal datasets export equal snapshots. */
  readonly documents: readonly StoredDocument[];
  /** Ordered by HLC. */
  readonly oplog: readonly OplogEntry[];
  readonly heads: readonly AuthorHead[];
  readonly boundaries: readonly PruneBoundary[];
}

export type SnapshotImportMode = 'merge' | 'replace';

export interface SnapshotImportOptions {
  /**
   * merge: fold the snapshot into what is stored (normal catch-up after a peer pruned).
   * replace: drop this dataset's documents, oplog, heads and boundaries first (corruption recovery).
   * Other datasets, peers and checkpoints are never touched.
   */
  readonly mode: SnapshotImportMode;
  /** How to combine a stored and an incoming document in merge mode. Default: the newer HLC wins. */
  readonly mergeDocument?: (local: StoredDocument, incoming: StoredDocument) => StoredDocument;
}

export interface SnapshotImportResult {
  readonly documents: number;
  readonly entries: number;
}

export interface SnapshotStore {
  export(): Promise<DatasetSnapshot>;
  /** Atomic: a failed import leaves the dataset as it was. */
  import(snapshot: unknown, options: SnapshotImportOptions): Promise<SnapshotImportResult>;
}

/** A snapshot of nothing: imported with `replace`, it deletes a dataset's documents and history. */
export function emptySnapshot(datasetId: DatasetId): DatasetSnapshot {
  return { format: SNAPSHOT_FORMAT, datasetId, createdAt: Date.now(), documents: [], oplog: [], heads: [], boundaries: [] };
}
