// What applications use: the node, its options and handles, errors, and the append and sink option
// types. Material for storage and transport authors is in `sluice/ports`.
export { createNode } from './runtime/create-node.ts';
export type { SyncNode, DatasetHandle, DatasetStatus, NodeEvents, MultiDatasetSnapshot, AcceptOptions } from './runtime/sync-node.ts';
export type { NodeOptions, DatasetConfig } from './runtime/node-options.ts';
export type { Collection, CollectionChange } from './runtime/collection.ts';
export type { CollectionOptions, SchemaCollection } from './runtime/collection-schema.ts';
export type { WorkerState, WorkerStatus } from './runtime/worker/worker-pipeline.ts';
export type { PipelineStatus, DocumentChange, RecordPage } from './runtime/pipeline/pipeline-api.ts';
export type { AuthOptions } from './sync/auth.ts';
export type { RoundReport, PeerStatus } from './sync/dataset-orchestrator.ts';
export type { MaintenanceReport } from './sync/maintenance.ts';
export type { Connector, Transport } from './protocol/transport.ts';
export type { StorageAdapter } from './store/storage-adapter.ts';
export type { DatasetSnapshot, SnapshotImportMode } from './store/snapshot-store.ts';
export { SluiceError, isSluiceError, type SluiceErrorCode } from './core/errors.ts';
export { PRIMARY_DATASET, isValidDatasetId, type DatasetId } from './core/dataset-id.ts';
export type { DatasetKind, DatasetOptions, RetentionOptions } from './core/dataset-options.ts';
export type { Hlc } from './core/hlc.ts';
export type { JsonValue, JsonObject } from './core/json.ts';
export type { ConflictResolver } from './core/resolvers/resolver.ts';
export type { ResolverSpec } from './core/resolvers/registry.ts';
export { lastWriteWins } from './core/resolvers/last-write-wins.ts';
export { jsonMerge } from './core/resolvers/json-merge.ts';
export type { AppendBufferOptions, OverflowPolicy } from './pipeline/append-options.ts';
export type { SinkConfig, SinkRecord, SinkWriter, ControlEvent, PartitionStrategy } from './pipeline/sinks/sink-api.ts';
export type { SinkMetrics } from './pipeline/sinks/sink-metrics.ts';
