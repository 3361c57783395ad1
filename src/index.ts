// Public entry point: the node facade, the core model and the storage ports.
export { createNode } from './runtime/create-node.ts';
export { SyncNode, type DatasetHandle, type DatasetStatus } from './runtime/sync-node.ts';
export type { NodeOptions, DatasetConfig } from './runtime/node-options.ts';
export type { Collection, CollectionChange } from './runtime/collection.ts';
export type { AuthOptions } from './sync/auth.ts';
export type { RoundReport, PeerStatus } from './sync/dataset-orchestrator.ts';
export type { Connector, Transport } from './protocol/transport.ts';
export { SluiceError, isSluiceError, type SluiceErrorCode } from './core/errors.ts';
export { PRIMARY_DATASET, assertDatasetId, isValidDatasetId, normalizeDatasetId, type DatasetId } from './core/dataset-id.ts';
export { datasetDefaults, resolveDatasetOptions, type DatasetKind, type DatasetOptions, type RetentionOptions } from './core/dataset-options.ts';
export { HybridClock, compareHlc, formatHlc, parseHlc, maxHlc, ZERO_HLC, type Hlc, type HybridClockOptions } from './core/hlc.ts';
export { canonicalJson, type JsonValue, type JsonObject } from './core/json.ts';
export {
  createEntry,
  computeEntryHash,
  verifyEntryHash,
  entryHashInput,
  entryByteSize,
  HASH_FORMAT_VERSION,
  type OplogEntry,
  type OplogOp,
  type NewEntry,
} from './core/oplog-entry.ts';
export { VectorClock, type ClockOrder } from './core/vector-clock.ts';
export type { StoredDocument } from './core/document.ts';
export { applyEntry, type ConflictResolver } from './core/resolvers/resolver.ts';
export { lastWriteWins } from './core/resolvers/last-write-wins.ts';
export { jsonMerge } from './core/resolvers/json-merge.ts';
export { ResolverRegistry, type ResolverSpec } from './core/resolvers/registry.ts';
export type { StorageAdapter, StorageLimits, StorageTestHooks } from './store/storage-adapter.ts';
export type { DocumentStore, ApplyBatch, ApplyResult, DocumentRef, ListOptions } from './store/document-store.ts';
export type { OplogStore, AuthorHead, PruneBoundary, PruneResult, ReadLimits } from './store/oplog-store.ts';
export type { ConfirmationStore, Confirmation, PeerRecord } from './store/confirmation-store.ts';
export type { CheckpointStore } from './store/checkpoint-store.ts';
export type { SnapshotStore, DatasetSnapshot, SnapshotImportMode, SnapshotImportOptions, SnapshotImportResult } from './store/snapshot-store.ts';
