import type { DatasetId } from '../core/dataset-id.ts';
import type { Hlc } from '../core/hlc.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';

/** The newest entry known from one author: together, the heads are the dataset's vector clock. */
export interface AuthorHead {
  readonly nodeId: string;
  readonly hlc: Hlc;
  readonly hash: string;
}

/**
 * Per author, the newest entry that pruning removed. Chain checks accept an entry whose prevHash
 * is the boundary hash, so a pruned log still links up.
 */
export type PruneBoundary = AuthorHead;

export interface ReadLimits {
  /** Most entries to return. Default 1000. */
  readonly limit?: number;
  /** Stop once the entries' byte size (see entryByteSize) reaches this; at least one entry is returned. */
  readonly maxBytes?: number;
}

export interface PruneResult {
  readonly removed: number;
  /** Boundaries written by this prune (one per author that lost entries). */
  readonly boundaries: readonly PruneBoundary[];
}

export interface OplogStore {
  /** Appends entries, skipping hashes already stored, and advances the heads. Returns how many were new. */
  append(datasetId: DatasetId, entries: readonly OplogEntry[]): Promise<number>;
  getByHash(datasetId: DatasetId, hash: string): Promise<OplogEntry | undefined>;
  /** Vector clock: one head per author, sorted by nodeId. Heads survive pruning. */
  heads(datasetId: DatasetId): Promise<AuthorHead[]>;
  head(datasetId: DatasetId, nodeId: string): Promise<AuthorHead | undefined>;
  /** The author's entries strictly after `after` (null: from the start), ascending. */
  entriesByAuthorAfter(datasetId: DatasetId, nodeId: string, after: Hlc | null, limits?: ReadLimits): Promise<OplogEntry[]>;
  /** All authors' entries strictly after `after` in HLC order, ascending. */
  entriesAfter(datasetId: DatasetId, after: Hlc | null, limits?: ReadLimits): Promise<OplogEntry[]>;
  /** Removes entries at or before `cutoff` and, in the same transaction, advances per-author boundaries. */
  prune(datasetId: DatasetId, cutoff: Hlc): Promise<PruneResult>;
  boundary(datasetId: DatasetId, nodeId: string): Promise<PruneBoundary | undefined>;
  boundaries(datasetId: DatasetId): Promise<PruneBoundary[]>;
  count(datasetId: DatasetId): Promise<number>;
}
