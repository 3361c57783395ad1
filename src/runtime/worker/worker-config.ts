import type { ConnectorDescriptor } from '../../protocol/transport.ts';
import type { StorageDescriptor } from '../../store/storage-adapter.ts';
import type { PipelineSettings } from '../pipeline/dataset-pipeline.ts';

/**
 * What a worker needs to build a dataset pipeline of its own: plain data only (functions cannot
 * cross a thread boundary), so resolvers travel by name and auth as a token. The worker file turns
 * the descriptors back into storage and connectors (see serveDatasetWorker).
 */
export interface WorkerPipelineConfig {
  readonly settings: Omit<PipelineSettings, 'auth' | 'resolvers' | 'sinks'> & { readonly resolvers: Readonly<Record<string, string>>; readonly token?: string };
  readonly storage: StorageDescriptor;
  readonly peers: readonly ConnectorDescriptor[];
}
