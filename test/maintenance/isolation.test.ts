import { afterEach, describe, expect, it } from 'vitest';
import { resolveDatasetOptions } from '../../src/core/dataset-options.ts';
import type { OplogEntry } from '../../src/core/oplog-entry.ts';
import { makeChain } from '../../src/store/contract/fixtures.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';
import { datasetHealth } from '../../src/sync/health.ts';
import { registerPeer, runMaintenance } from '../../src/sync/maintenance.ts';
import { datasetState, seed, storageCases } from './fixtures.ts';

describe.each(storageCases)('maintenance isolation on $name', ({ make }) => {
  let storage!: StorageAdapter;
  afterEach(async () => {
    await storage.close();
  });

  const confirm = (ds: string, peer: string, e: OplogEntry) => storage.open(ds).confirmations.confirm(peer, e.hlc.nodeId, e.hlc, e.hash);

  /**
   * Two datasets with the same authors, walls and keys, each with peers, watermarks and a boundary
   * from an earlier prune: anything that leaked across would show up as a changed state.
   */
  async function twoDatasets(): Promise<{ primary: OplogEntry[]; logs: OplogEntry[] }> {
    storage = make();
    const primary = makeChain('alice', 10, { startWall: 1_000 });
    const logs = makeChain('alice', 10, { datasetId: 'logs', startWall: 1_000 });
    await seed(storage, primary);
    await seed(storage, logs);
    await storage.open('primary').oplog.prune({ wall: 1_000, logic: 0, nodeId: 'alice' });
    await storage.open('logs').oplog.prune({ wall: 1_000, logic: 0, nodeId: 'alice' });
    await registerPeer(storage.open('primary'), 'hub');
    await confirm('primary', 'hub', primary[2]!);
    await registerPeer(storage.open('logs'), 'edge');
    await confirm('logs', 'edge', logs[8]!);
    return { primary, logs };
  }

  it('pruning one dataset leaves the other\'s entries, boundaries, heads, peers, watermarks and documents alone', async () => {
    await twoDatasets();
    const primaryBefore = await datasetState(storage, 'primary');
    const options = resolveDatasetOptions('logs', { kind: 'append', retention: { maxAgeMs: 1, maxBytes: 200 } });
    // Maintenance is handed the dataset's own store: it has no way to name another dataset.
    const report = await runMaintenance({ datasetId: 'logs', options, storage: storage.open('logs'), now: 10_000 });

    expect(report.datasetId).toBe('logs');
    expect(report.pruned).toBeGreaterThan(0);
    expect(await storage.open('logs').oplog.count()).toBe(9 - report.pruned);
    expect(await datasetState(storage, 'primary')).toEqual(primaryBefore);
  });

  it("one dataset's tracked peers never gate another's pruning", async () => {
    await twoDatasets();
    // A peer of `primary` with no watermarks would skip primary's cycle...
    await registerPeer(storage.open('primary'), 'stalled');
    const options = resolveDatasetOptions('logs', { retention: { maxAgeMs: 1_000 } });
    const logs = await runMaintenance({ datasetId: 'logs', options, storage: storage.open('logs'), now: 3_000 });
    // ...but logs answers only to its own peer "edge", which confirmed through wall 1008.
    expect(logs.missingConfirmations).toEqual([]);
    expect(logs.confirmationCutoff).toMatchObject({ wall: 1_008 });
    expect(logs.pruned).toBe(8);

    const primaryOptions = resolveDatasetOptions('primary', { retention: { maxAgeMs: 1_000 } });
    const logsBefore = await datasetState(storage, 'logs');
    const primary = await runMaintenance({ datasetId: 'primary', options: primaryOptions, storage: storage.open('primary'), now: 3_000 });
    expect(primary.cutoff).toBeNull();
    expect(primary.missingConfirmations).toEqual([{ peerId: 'stalled', authorId: 'alice' }]);
    expect(await datasetState(storage, 'logs')).toEqual(logsBefore);
  });

  it('health of one dataset reads only that dataset', async () => {
    await twoDatasets();
    const health = await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: 5_000 });
    expect(health.trackedPeers).toBe(1);
    expect(health.lastConfirmedAt).toEqual({ hub: expect.any(Number) });
  });
});
