import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { resolveDatasetOptions } from '../../src/core/dataset-options.ts';
import { HybridClock } from '../../src/core/hlc.ts';
import type { OplogEntry } from '../../src/core/oplog-entry.ts';
import { ResolverRegistry } from '../../src/core/resolvers/registry.ts';
import type { Message } from '../../src/protocol/messages.ts';
import type { Connector } from '../../src/protocol/transport.ts';
import type { Connection } from '../../src/sync/connection.ts';
import type { DatasetRuntime } from '../../src/sync/dataset-runtime.ts';
import { dial } from '../../src/sync/dial.ts';
import { LagTracker } from '../../src/sync/lag-tracker.ts';
import { newDatasetMetrics } from '../../src/sync/metrics.ts';
import { DatasetReplica } from '../../src/sync/replica.ts';
import { ChainSigner } from '../../src/sync/signatures.ts';

/** A bare replica plus a hand-driven connection, for tests that must send exactly the frames they choose. */
export async function rawPeer(nodeId: string, connector: Connector, datasetId = 'primary', clock?: HybridClock) {
  const replica = new DatasetReplica({ datasetId, storage: memoryStorage(), clock: clock ?? new HybridClock(nodeId), resolvers: new ResolverRegistry() });
  await replica.open();
  const runtime: DatasetRuntime = { datasetId, options: resolveDatasetOptions(datasetId), replica, metrics: newDatasetMetrics(), maxFrameBytes: 4 << 20, lag: new LagTracker(nodeId) };
  const connection: Connection = await dial(connector, { nodeId, datasets: new Map([[datasetId, runtime]]) }, datasetId, { maxFrameBytes: 4 << 20, heartbeatMs: 0 });
  /** Pushes `entries` as an honest sender would: its own last entry signed with the key of its handshake. */
  const push = async (entries: readonly OplogEntry[]): Promise<Message> => connection.request({ kind: 'pushChangesRequest', datasetId, entries: await signHeads(entries, replica.signer!) });
  return { replica, runtime, connection, push };
}

/** A key pair for `nodeId`, as that node's dataset would hold it. */
export function signerFor(nodeId: string, datasetId = 'primary'): Promise<ChainSigner> {
  return ChainSigner.open(nodeId, memoryStorage().open(datasetId).checkpoints);
}

/** Signs the last of `signer`'s own entries in `entries` (others are left as they are). */
export async function signHeads(entries: readonly OplogEntry[], signer: ChainSigner): Promise<OplogEntry[]> {
  const out = [...entries];
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]!.hlc.nodeId !== signer.nodeId) continue;
    out[i] = await signer.sign(out[i]!);
    break;
  }
  return out;
}
