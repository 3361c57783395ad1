import { SluiceError } from '../../core/errors.ts';
import type { NodeOptions, ResolvedDataset } from '../node-options.ts';
import type { PipelineSettings } from '../pipeline/dataset-pipeline.ts';
import type { WorkerPipelineConfig } from './worker-config.ts';

/** What one dataset's pipeline is built from, wherever it runs: the node's options applied to the dataset. */
export function pipelineSettings(nodeId: string, options: NodeOptions, d: ResolvedDataset, maxFrameBytes: number): PipelineSettings {
  return {
    nodeId,
    datasetId: d.datasetId,
    options: d.options,
    resolvers: d.resolvers,
    maxFrameBytes,
    ...(options.maxClockDriftMs === undefined ? {} : { maxClockDriftMs: options.maxClockDriftMs }),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    signing: options.signing ?? true,
    ...(d.sinks.length > 0 ? { sinks: d.sinks } : {}),
  };
}

/** The settings as plain data for a worker: descriptors for storage and peers, resolvers by name. */
export function workerConfig(settings: PipelineSettings, options: NodeOptions): WorkerPipelineConfig {
  const field = `datasets.${settings.datasetId}.worker`;
  const storage = options.storage.describe?.();
  if (!storage) {
    throw new SluiceError('invalid_options', `${field}: this storage adapter cannot be opened from a worker (it has no describe()); use worker: false.`, { field });
  }
  const peers = (options.peers ?? []).map((p) => {
    const d = p.describe?.();
    if (!d) throw new SluiceError('invalid_options', `${field}: peer ${p.url} cannot be dialed from a worker (its connector has no describe()); use worker: false.`, { field });
    return d;
  });
  // Resolvers cross by name: a custom one must also be listed in the worker file's serveDatasetWorker({ resolvers }).
  const resolvers: Record<string, string> = {};
  for (const [collection, spec] of Object.entries(settings.resolvers)) resolvers[collection] = typeof spec === 'string' ? spec : spec.name;
  const { resolvers: _r, sinks: _s, ...rest } = settings;
  // A worker factory is a function: the worker only needs to know it runs in one.
  return { settings: { ...rest, options: { ...rest.options, worker: true }, resolvers }, storage, peers };
}

/**
 * The node thread's answer to a worker asking for peer `index`'s token: what the connector's token
 * function returns now (the worker checks it, as a dial in this thread would). Only peers described
 * with `tokenFromNode` ask.
 */
export function peerTokens(options: NodeOptions): (index: number) => Promise<unknown> {
  return async (index) => {
    const source = options.peers?.[index]?.token;
    return typeof source === 'function' ? source() : (source ?? '');
  };
}
