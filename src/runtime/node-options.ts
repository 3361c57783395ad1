import { assertDatasetId, PRIMARY_DATASET, type DatasetId } from '../core/dataset-id.ts';
import { resolveDatasetOptions, type DatasetOptions } from '../core/dataset-options.ts';
import { SluiceError } from '../core/errors.ts';
import type { ResolverSpec } from '../core/resolvers/registry.ts';
import { resolveAppendOptions, type AppendBufferOptions, type ResolvedAppendOptions } from '../pipeline/append-options.ts';
import type { SinkConfig } from '../pipeline/sinks/sink-api.ts';
import type { Connector } from '../protocol/transport.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import type { AuthOptions } from '../sync/auth.ts';

export type DatasetConfig = Partial<DatasetOptions> & {
  /** Conflict resolver per collection of this dataset (default: last-write-wins). */
  readonly resolvers?: Record<string, ResolverSpec>;
  /** Append datasets: the bounded in-memory buffer between append() and the pipeline. */
  readonly buffer?: AppendBufferOptions;
  /** Consumers of this dataset's applied changes (exporters, indexes), fed from its oplog. */
  readonly sinks?: readonly SinkConfig[];
};

export interface NodeOptions {
  /** Stable identity; generated once and kept in storage when left out. */
  readonly nodeId?: string;
  readonly storage: StorageAdapter;
  /** Peers to dial: one connection per dataset per peer. */
  readonly peers?: readonly Connector[];
  /** Checks applied to peers that dial this node (see sluice/server). */
  readonly auth?: AuthOptions;
  /** Datasets to run; left out, the node runs `primary` alone. */
  readonly datasets?: Readonly<Record<DatasetId, DatasetConfig>>;
  /** Resolvers for collections of every dataset, unless a dataset names its own. */
  readonly resolvers?: Record<string, ResolverSpec>;
  readonly maxClockDriftMs?: number;
  /** Largest frame sent or accepted. Default 4 MiB. */
  readonly maxFrameBytes?: number;
  /** Ping interval on dialed connections; silent peers are dropped after twice this. Default 15 s. */
  readonly heartbeatMs?: number;
  readonly requestTimeoutMs?: number;
  /**
   * Global switch for staged rollout: false runs `primary` alone (other datasets stay configured
   * but do not start), as a single-dataset build would. Default true.
   */
  readonly multiDataset?: boolean;
  /** How often `node.on('metrics', …)` listeners hear from the node. Default 1000 ms. */
  readonly metricsIntervalMs?: number;
  /** Called when a dataset's worker dies; it is restarted with backoff either way. */
  readonly onWorkerCrash?: (datasetId: DatasetId, reason: string) => void;
}

export interface ResolvedDataset {
  readonly datasetId: DatasetId;
  readonly options: DatasetOptions;
  readonly resolvers: Record<string, ResolverSpec>;
  /** Set for append datasets. */
  readonly buffer: ResolvedAppendOptions | undefined;
  readonly sinks: readonly SinkConfig[];
}

/** Validates the dataset section; errors name the field (`datasets.logs.syncInterval ...`). */
export function resolveDatasets(options: NodeOptions): ResolvedDataset[] {
  const input = options.datasets ?? { [PRIMARY_DATASET]: {} };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SluiceError('invalid_options', 'datasets must be an object keyed by dataset id, e.g. { primary: {}, logs: { kind: "append" } }.', { field: 'datasets' });
  }
  const out: ResolvedDataset[] = [];
  for (const [id, config] of Object.entries(input)) {
    assertDatasetId(id);
    const { resolvers, buffer, sinks, ...rest } = (config ?? {}) as DatasetConfig;
    const resolved = resolveDatasetOptions(id, rest);
    if (buffer !== undefined && resolved.kind !== 'append') {
      throw new SluiceError('invalid_options', `datasets.${id}.buffer applies to append datasets only: set kind: 'append' or remove it.`, { field: `datasets.${id}.buffer` });
    }
    let bufferOptions: ResolvedAppendOptions | undefined;
    try {
      bufferOptions = resolved.kind === 'append' ? resolveAppendOptions(buffer) : undefined;
    } catch (error) {
      const field = `datasets.${id}.buffer.${String((error as SluiceError).details?.field ?? '')}`;
      throw new SluiceError('invalid_options', `${field}: ${(error as Error).message}`, { field });
    }
    if (sinks !== undefined && !Array.isArray(sinks)) throw new SluiceError('invalid_options', `datasets.${id}.sinks must be an array of sink configs.`, { field: `datasets.${id}.sinks` });
    if (sinks?.length && resolved.worker) {
      throw new SluiceError('invalid_options', `datasets.${id}.sinks: sinks run in the node's thread (their writers are functions), so this dataset needs worker: false.`, { field: `datasets.${id}.sinks` });
    }
    const names = new Set<string>();
    for (const [i, sink] of (sinks ?? []).entries()) {
      if (typeof sink?.name !== 'string' || !/^[A-Za-z0-9._~-]{1,100}$/.test(sink.name) || names.has(sink.name)) {
        throw new SluiceError('invalid_options', `datasets.${id}.sinks[${i}].name must be a unique name of letters, digits, '.', '_', '~' or '-'.`, { field: `datasets.${id}.sinks[${i}].name` });
      }
      names.add(sink.name);
    }
    out.push({ datasetId: id, options: resolved, resolvers: { ...(options.resolvers ?? {}), ...(resolvers ?? {}) }, buffer: bufferOptions, sinks: sinks ?? [] });
  }
  if (options.multiDataset === false) {
    const primary = out.filter((d) => d.datasetId === PRIMARY_DATASET);
    if (primary.length === 0) throw new SluiceError('invalid_options', 'multiDataset: false runs primary alone, but no primary dataset is configured.', { field: 'multiDataset' });
    return primary.filter((d) => d.options.enabled);
  }
  if (out.length === 0) throw new SluiceError('invalid_options', 'datasets is empty: configure at least one dataset (or leave it out to run primary).', { field: 'datasets' });
  return out.filter((d) => d.options.enabled);
}
