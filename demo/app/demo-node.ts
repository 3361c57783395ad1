import { createNode, type DatasetConfig, type OverflowPolicy, type SyncNode } from 'sluice';
import { dexieStorage } from 'sluice/dexie';
import { websocket } from 'sluice/websocket';
import { chunkIndexSink } from '../sinks/chunk-index-sink.ts';
import { MemoryChunkIndex } from '../sinks/chunk-index.ts';

/** isolated: logs and timeseries are append datasets in their own workers. shared: everything goes through primary. */
export type PipelineMode = 'isolated' | 'shared';
export const TELEMETRY = ['logs', 'timeseries'] as const;
export type TelemetryId = (typeof TELEMETRY)[number];

export interface DemoNodeOptions {
  readonly hubUrl: string;
  readonly storageName: string;
  readonly mode: PipelineMode;
  readonly policies: Record<TelemetryId, OverflowPolicy>;
}

export const ITEMS = 'items';
export const PROBES = 'probes';

/** The page's node: primary in-process; in isolated mode logs and timeseries each in a Web Worker. */
export function createDemoNode(o: DemoNodeOptions): Promise<SyncNode> {
  const primary: DatasetConfig = {
    resolvers: { [ITEMS]: 'last-write-wins', [PROBES]: 'last-write-wins' },
    // The routing demo: item titles indexed by 4 writers, each document always on the same writer.
    sinks: [chunkIndexSink({ index: new MemoryChunkIndex(), parallelism: 4, textField: 'title', collection: ITEMS })],
  };
  const datasets: Record<string, DatasetConfig> =
    o.mode === 'isolated'
      ? {
          primary,
          logs: { kind: 'append', worker: true, buffer: { policy: o.policies.logs } },
          timeseries: { kind: 'append', worker: true, buffer: { policy: o.policies.timeseries } },
        }
      : { primary };
  return createNode({ storage: dexieStorage({ name: o.storageName }), peers: [websocket(o.hubUrl)], datasets, metricsIntervalMs: 250 });
}
