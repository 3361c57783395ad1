import { createNode, type DatasetConfig, type OverflowPolicy, type SyncNode } from 'sluice';
import { dexieStorage } from 'sluice/dexie';
import { websocket } from 'sluice/websocket';
import { ITEMS, PROBES } from './collections.ts';

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

export { ITEMS, PROBES } from './collections.ts';

/**
 * The page's node. Every dataset runs once for all the page's tabs, in the worker of the tab that
 * leads it: primary in the demo's own worker (it carries the routing sink), logs and timeseries
 * (isolated mode) in the default one.
 */
export function createDemoNode(o: DemoNodeOptions): Promise<SyncNode> {
  const primary: DatasetConfig = {
    resolvers: { [ITEMS]: 'last-write-wins', [PROBES]: 'last-write-wins' },
    worker: () => new Worker(new URL('./primary-worker.ts', import.meta.url), { type: 'module' }),
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
