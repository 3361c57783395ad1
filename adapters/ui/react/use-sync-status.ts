import { useMemo, useSyncExternalStore } from 'react';
import type { DatasetStatus, SyncNode } from '../../../src/index.ts';
import { sourceStore } from './external-store.ts';

export interface SyncStatus {
  /** At least one peer of the dataset is connected. */
  readonly online: boolean;
  /** The dataset's full status (peers, lag, health, counters); null until the first report. */
  readonly status: DatasetStatus | null;
}

const UNKNOWN: SyncStatus = { online: false, status: null };

/**
 * A dataset's sync state, refreshed with the node's metrics events (every `metricsIntervalMs`,
 * 1 s by default): `const { online } = useSyncStatus(node)`.
 */
export function useSyncStatus(node: SyncNode | null | undefined, datasetId = 'primary'): SyncStatus {
  const store = useMemo(
    () =>
      sourceStore<SyncStatus>(UNKNOWN, (set) => {
        if (!node) return () => undefined;
        const update = (all: Record<string, DatasetStatus>) => {
          const status = all[datasetId] ?? null;
          set({ online: status?.peers.some((p) => p.connected) ?? false, status });
        };
        node.metrics().then(update, () => undefined);
        return node.on('metrics', update);
      }),
    [node, datasetId],
  );
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}
