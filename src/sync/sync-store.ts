import type { Hlc } from '../core/hlc.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';
import type { PeerRecord } from '../store/confirmation-store.ts';
import type { PruneBoundary, ReadLimits } from '../store/oplog-store.ts';
import type { DatasetSnapshot } from '../store/snapshot-store.ts';
import type { DatasetStore } from '../store/storage-adapter.ts';
import { chainRange } from '../store/chain-range.ts';

/**
 * What sync reads of one dataset's storage, and the one thing it writes besides applying entries
 * (peer watermarks). Heads come from the replica, which keeps them. Bound to its dataset, so sync code cannot reach another dataset's rows, and
 * free of the writes that belong to the replica (apply, import) or to maintenance (prune).
 */
export interface SyncStore {
  /** The author's entries strictly after `after` (null: from the start), ascending. */
  entriesByAuthorAfter(author: string, after: Hlc | null, limits?: ReadLimits): Promise<OplogEntry[]>;
  /** All authors' entries strictly after `after` in HLC order, ascending. */
  entriesAfter(after: Hlc | null, limits?: ReadLimits): Promise<OplogEntry[]>;
  boundary(author: string): Promise<PruneBoundary | undefined>;
  boundaries(): Promise<PruneBoundary[]>;
  chainRange(startHash: string, endHash: string): Promise<OplogEntry[] | undefined>;
  exportSnapshot(): Promise<DatasetSnapshot>;
  listPeers(): Promise<PeerRecord[]>;
  registerPeer(peerId: string, address: string): Promise<void>;
  /** Records how far `peerId` holds `author`'s chain (a pruning watermark). */
  confirm(peerId: string, author: string, hlc: Hlc, hash: string): Promise<boolean>;
}

export function syncStoreOf(store: DatasetStore): SyncStore {
  const { oplog, confirmations, snapshots } = store;
  return {
    entriesByAuthorAfter: (author, after, limits) => oplog.entriesByAuthorAfter(author, after, limits),
    entriesAfter: (after, limits) => oplog.entriesAfter(after, limits),
    boundary: (author) => oplog.boundary(author),
    boundaries: () => oplog.boundaries(),
    chainRange: (startHash, endHash) => chainRange(oplog, startHash, endHash),
    exportSnapshot: () => snapshots.export(),
    listPeers: () => confirmations.listPeers(),
    registerPeer: (peerId, address) => confirmations.registerPeer(peerId, { address }),
    confirm: (peerId, author, hlc, hash) => confirmations.confirm(peerId, author, hlc, hash),
  };
}
