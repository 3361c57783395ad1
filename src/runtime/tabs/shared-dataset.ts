import type { DatasetId } from '../../core/dataset-id.ts';
import type { NodeOptions, ResolvedDataset } from '../node-options.ts';
import type { PipelineSettings } from '../pipeline/dataset-pipeline.ts';
import { customWorkerHandle } from '../worker/worker-handles.ts';
import { WorkerPipeline } from '../worker/worker-pipeline.ts';
import { peerTokens, workerConfig } from '../worker/worker-settings.ts';
import { sharedName } from './tab-messages.ts';
import { TabPipeline } from './tab-pipeline.ts';

/** worker: false and sinks given to createNode are of this tab's thread: such a dataset cannot be shared. */
export function keepsOwnPipeline(options: NodeOptions, d: ResolvedDataset): boolean {
  return options.datasets?.[d.datasetId]?.worker === false || d.sinks.length > 0;
}

/** The dataset as the origin's tabs share it: a client of the leader, and a candidate to lead with the dataset's worker. */
export function sharedDataset(
  d: ResolvedDataset,
  settings: PipelineSettings,
  options: NodeOptions,
  storageKey: string,
  onWorkerCrash: (datasetId: DatasetId, reason: string) => void,
  resyncs: ReadonlySet<() => void>,
): TabPipeline {
  const own = d.options.worker;
  return new TabPipeline(d.datasetId, {
    name: sharedName(storageKey, d.datasetId),
    config: workerConfig(settings, options),
    startWorker: (config) =>
      new WorkerPipeline(d.datasetId, config, {
        ...(typeof own === 'function' ? { spawn: () => customWorkerHandle(own(), d.datasetId) } : {}),
        onCrash: onWorkerCrash,
        tokens: peerTokens(options),
      }),
    onLeaderChange: () => {
      for (const resync of resyncs) resync();
    },
  });
}
