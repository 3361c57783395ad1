import type { ConnectorDescriptor } from '../../protocol/transport.ts';
import type { StorageDescriptor } from '../../store/storage-adapter.ts';
import type { PipelineSettings } from '../pipeline/dataset-pipeline.ts';

/**
 * What a worker needs to build a dataset pipeline of its own: plain data only (functions cannot
 * cross a thread boundary), so resolvers travel by name. Peers a worker serves were authenticated on the node's thread. The worker file turns
 * the descriptors back into storage and connectors (see serveDatasetWorker).
 */
export interface WorkerPipelineConfig {
  readonly settings: Omit<PipelineSettings, 'resolvers' | 'sinks'> & { readonly resolvers: Readonly<Record<string, string>> };
  readonly storage: StorageDescriptor;
  readonly peers: readonly ConnectorDescriptor[];
  /** Set when the origin's tabs share the dataset: the worker answers them on this BroadcastChannel. */
  readonly share?: { readonly channel: string };
}
