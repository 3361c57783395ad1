import type { ConnectorDescriptor } from '../../protocol/transport.ts';
import type { StorageDescriptor } from '../../store/storage-adapter.ts';
import type { PipelineSettings } from '../pipeline/dataset-pipeline.ts';

/**
 * What a worker needs to build a dataset pipeline of its own: plain data only (functions cannot
 * cross a thread boundary), so resolvers are named and auth is a token.
 */
export interface WorkerPipelineConfig {
  readonly settings: Omit<PipelineSettings, 'auth' | 'resolvers'> & { readonly resolvers: Record<string, 'last-write-wins' | 'json-merge'>; readonly token?: string };
  readonly storage: StorageDescriptor;
  readonly peers: readonly ConnectorDescriptor[];
}
