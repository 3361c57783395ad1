import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { resolveDatasetOptions } from '../../src/core/dataset-options.ts';
import { HybridClock } from '../../src/core/hlc.ts';
import { ResolverRegistry } from '../../src/core/resolvers/registry.ts';
import type { Connector } from '../../src/protocol/transport.ts';
import type { Connection } from '../../src/sync/connection.ts';
import type { DatasetRuntime } from '../../src/sync/dataset-runtime.ts';
import { dial } from '../../src/sync/dial.ts';
import { LagTracker } from '../../src/sync/lag-tracker.ts';
import { newDatasetMetrics } from '../../src/sync/metrics.ts';
import { DatasetReplica } from '../../src/sync/replica.ts';

/** A bare replica plus a hand-driven connection, for tests that must send exactly the frames they choose. */
export async function rawPeer(nodeId: string, connector: Connector, datasetId = 'primary', clock?: HybridClock) {
  const replica = new DatasetReplica({ datasetId, storage: memoryStorage(), clock: clock ?? new HybridClock(nodeId), resolvers: new ResolverRegistry() });
  await replica.open();
  const runtime: DatasetRuntime = { datasetId, options: resolveDatasetOptions(datasetId), replica, metrics: newDatasetMetrics(), maxFrameBytes: 4 << 20, lag: new LagTracker(nodeId) };
  const connection: Connection = await dial(connector, { nodeId, datasets: new Map([[datasetId, runtime]]) }, datasetId, { maxFrameBytes: 4 << 20, heartbeatMs: 0 });
  return { replica, runtime, connection };
}
