// For authors of storage adapters, transports and tooling: the storage ports, the oplog model
// (entries, hashes, HLC, vector clocks), resolvers, and the wire transport interface. Adapters
// prove themselves against `sluice/store-contract`.
export { SluiceError, isSluiceError, type SluiceErrorCode } from './core/errors.ts';
export { PRIMARY_DATASET, assertDatasetId, isValidDatasetId, normalizeDatasetId, type DatasetId } from './core/dataset-id.ts';
export { datasetDefaults, resolveDatasetOptions, type DatasetKind, type DatasetOptions, type RetentionOptions } from './core/dataset-options.ts';
export { HybridClock, compareHlc, formatHlc, parseHlc, maxHlc, ZERO_HLC, type Hlc, type HybridClockOptions } from './core/hlc.ts';
export { canonicalJson, MAX_JSON_DEPTH, type JsonLimits, type JsonValue, type JsonObject } from './core/json.ts';
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
export type { CommitNotice, DatasetStore, StorageAdapter, StorageDescriptor, StorageLimits } from './store/storage-adapter.ts';
export { openScoped, type ScopedPort, type ScopedPorts } from './store/dataset-scoped.ts';
export { chainRange } from './store/chain-range.ts';
export type { DocumentStore, ApplyBatch, ApplyResult, DocumentRef, ListOptions, QueriedDocument, ResolveInTransaction } from './store/document-store.ts';
export { planQuery, explainPlan, tieBreakDirection, type QueryPlan, type QueryExplanation } from './store/query/plan.ts';
export { runQuery, matchesQuery, matchesCondition, compareForQuery } from './store/query/evaluate.ts';
export { normalizeQuery, type NormalizedQuery, type Condition, type SortKey, type QueryOptions, type Where, type OrderBy } from './store/query/query-spec.ts';
export { normalizeIndexes, indexFromFields, type IndexSpec } from './store/query/index-spec.ts';
export { compareValues, fieldValue, rankOf, type Scalar } from './store/query/scalar-order.ts';
export type { OplogStore, AuthorHead, PruneBoundary, PruneResult, ReadLimits } from './store/oplog-store.ts';
export type { ConfirmationStore, Confirmation, PeerRecord } from './store/confirmation-store.ts';
export type { CheckpointStore } from './store/checkpoint-store.ts';
export type { SnapshotStore, DatasetSnapshot, SnapshotImportMode, SnapshotImportOptions, SnapshotImportResult } from './store/snapshot-store.ts';
export type { Connector, ConnectorDescriptor, Transport, TransportHandlers, CloseInfo } from './protocol/transport.ts';
