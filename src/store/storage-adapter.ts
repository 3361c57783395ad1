import type { CheckpointStore } from './checkpoint-store.ts';
import type { ConfirmationStore } from './confirmation-store.ts';
import type { DocumentStore } from './document-store.ts';
import type { OplogStore } from './oplog-store.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import type { DatasetId } from '../core/dataset-id.ts';
import type { Hlc } from '../core/hlc.ts';
import type { JsonValue } from '../core/json.ts';

/**
 * A storage provider. `open(datasetId)` gives one dataset's store: five small ports, bound to that
 * dataset, so nothing reached through it can touch another dataset's rows. By default each dataset
 * lives in its own file or IndexedDB database, opened on first use, so that one dataset's writers
 * never queue behind another's.
 */
export interface StorageAdapter {
  readonly kind: string;
  /**
   * The store of one dataset. Cheap, and the same store for the same id: the backend (a file, a
   * database, a schema) opens on the store's first call. An invalid id throws `invalid_dataset_id`.
   */
  open(datasetId: DatasetId): DatasetStore;
  /** Closes every dataset's backend. Afterwards every call of every store fails with `store_closed`. */
  close(): Promise<void>;
  /**
   * Closes what the adapter holds open for one dataset (a file, a connection), when it holds
   * something per dataset; its store reopens it on its next call. A hub calls it for the
   * per-identity datasets it lets go. Only call it with no call of that dataset in flight.
   */
  release?(datasetId: DatasetId): Promise<void>;
  /**
   * Plain data from which another thread can open the same storage (a dataset pipeline in a worker
   * opens its own connection to its own file or database). Undefined: the adapter cannot be shared.
   */
  describe?(): StorageDescriptor;
  /**
   * Storage that other processes write too (`describe().sharedWriters`) may carry a node's notices
   * to the nodes on the other processes: a revocation made on one hub of a cluster reaches the
   * others, which close their own connections of that principal.
   */
  readonly broadcast?: NodeBroadcast;
}

/** Messages between the nodes over one shared storage. Best effort: a node that is down misses them. */
export interface NodeBroadcast {
  /** Sends `message` (JSON, at most 4 KiB encoded) to every other adapter instance over the same storage. */
  publish(topic: string, message: JsonValue): Promise<void>;
  /** Hears the other instances' messages on `topic`, unchecked; resolves once listening, to a function that stops. */
  subscribe(topic: string, listener: (message: unknown) => void): Promise<() => Promise<void>>;
}

/** One dataset's storage: its documents, oplog, peer watermarks, checkpoints and snapshots. */
export interface DatasetStore {
  readonly datasetId: DatasetId;
  readonly documents: DocumentStore;
  readonly oplog: OplogStore;
  readonly confirmations: ConfirmationStore;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
  /**
   * Storage that other processes write too (`describe().sharedWriters`, e.g. several hubs over one
   * PostgreSQL) tells each of them what the others committed, so that they can push it to their own
   * live connections. The listener hears every commit of this dataset by another adapter instance;
   * commits by this instance are not reported. Resolves once listening, to a function that stops.
   */
  watchCommits?(listener: (notices: readonly CommitNotice[]) => void): Promise<() => Promise<void>>;
}

/**
 * One author's entries in a commit by another writer: `count` entries from `first` to `last`, both
 * included. `count` 0 means the range is not known, only that `last` is the author's head: the
 * storage may have missed notices (while its listening connection was re-established) and reports
 * every head instead, so that live peers compare and pull what they lack.
 */
export interface CommitNotice {
  readonly author: string;
  readonly first: Hlc;
  readonly last: Hlc;
  /** The hash of the entry at `last`: the author's head after the commit. */
  readonly lastHash: string;
  readonly count: number;
}

/** JSON-safe description of a storage adapter, e.g. `{ kind: 'sqlite', path: './data/app.db' }`. */
export interface StorageDescriptor {
  readonly kind: string;
  /**
   * True when processes other than this one write the same datasets (several hubs over one
   * database): sync then reads heads from storage instead of keeping them in memory, and applies
   * pass `resolveDocuments` so that documents are resolved inside the transaction (see ApplyBatch).
   */
  readonly sharedWriters?: boolean;
  readonly [option: string]: string | number | boolean | undefined;
}

export interface StorageLimits {
  /** Largest document value or entry payload, in UTF-8 bytes of its JSON. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
}

/**
 * Fault injection for crash tests: called inside the write transaction, after all writes, right
 * before commit. Throwing from it must roll the whole transaction back.
 */
export interface StorageTestHooks {
  beforeCommit?(operation: string): void;
}
