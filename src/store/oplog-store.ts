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

/** One dataset's oplog, its vector clock (heads) and its prune boundaries. */
export interface OplogStore {
  /** Appends entries, skipping hashes already stored, and advances the heads. Returns how many were new. */
  append(entries: readonly OplogEntry[]): Promise<number>;
  getByHash(hash: string): Promise<OplogEntry | undefined>;
  /** Vector clock: one head per author, sorted by nodeId. Heads survive pruning. */
  heads(): Promise<AuthorHead[]>;
  head(nodeId: string): Promise<AuthorHead | undefined>;
  /** The author's entries strictly after `after` (null: from the start), ascending. */
  entriesByAuthorAfter(nodeId: string, after: Hlc | null, limits?: ReadLimits): Promise<OplogEntry[]>;
  /** All authors' entries strictly after `after` in HLC order, ascending. */
  entriesAfter(after: Hlc | null, limits?: ReadLimits): Promise<OplogEntry[]>;
  /** Removes entries at or before `cutoff` and, in the same transaction, advances per-author boundaries. */
  prune(cutoff: Hlc): Promise<PruneResult>;
  boundary(nodeId: string): Promise<PruneBoundary | undefined>;
  boundaries(): Promise<PruneBoundary[]>;
  count(): Promise<number>;
}
