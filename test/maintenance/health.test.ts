import { afterEach, describe, expect, it } from 'vitest';
import type { OplogEntry } from '../../src/core/oplog-entry.ts';
import { makeChain } from '../../src/store/contract/fixtures.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';
import { datasetHealth } from '../../src/sync/health.ts';
import { deactivatePeer, registerPeer } from '../../src/sync/maintenance.ts';
import { chainAt, seed, storageCases } from './fixtures.ts';

const NOW = 1_000_000;

describe.each(storageCases)('dataset health on $name', ({ make }) => {
  let storage!: StorageAdapter;
  afterEach(async () => {
    await storage.close();
  });

  const confirm = (peer: string, e: OplogEntry) => storage.open('primary').confirmations.confirm(peer, e.hlc.nodeId, e.hlc, e.hash);

  /** alice writes at wall 1000 and then `gapMs` later: a peer confirming only the first lags by gapMs. */
  async function aliceWithGap(gapMs: number): Promise<OplogEntry[]> {
    storage = make();
    const alice = chainAt('alice', [
      [1_000, 0],
      [1_000 + gapMs, 0],
    ]);
    await seed(storage, alice);
    return alice;
  }

  const thresholds = { lagThresholdMs: 30_000, criticalLagThresholdMs: 120_000 };

  it('healthy without tracked peers', async () => {
    await aliceWithGap(500_000);
    expect(await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW })).toEqual({
      datasetId: 'primary',
      status: 'healthy',
      reason: 'no active tracked peers',
      checkedAt: NOW,
      trackedPeers: 0,
      peersWithoutConfirmation: [],
      missingConfirmations: [],
      laggingPeers: [],
      maxLagMs: 0,
      lastConfirmedAt: {},
      ...thresholds,
    });
  });

  it('healthy when every active peer is within the lag threshold', async () => {
    const alice = await aliceWithGap(20_000);
    await registerPeer(storage.open('primary'), 'hub');
    await confirm('hub', alice[0]!);
    expect(await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW })).toEqual({
      datasetId: 'primary',
      status: 'healthy',
      reason: '1 active tracked peer within 30000 ms',
      checkedAt: NOW,
      trackedPeers: 1,
      peersWithoutConfirmation: [],
      missingConfirmations: [],
      laggingPeers: [],
      maxLagMs: 20_000,
      lastConfirmedAt: { hub: expect.any(Number) },
      ...thresholds,
    });
  });

  it('degraded when a peer lags beyond the threshold', async () => {
    const alice = await aliceWithGap(40_000);
    await registerPeer(storage.open('primary'), 'hub');
    await registerPeer(storage.open('primary'), 'edge');
    await confirm('hub', alice[0]!);
    await confirm('edge', alice[1]!);
    expect(await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW })).toEqual({
      datasetId: 'primary',
      status: 'degraded',
      reason: 'peer "hub" lags 40000 ms (threshold 30000 ms)',
      checkedAt: NOW,
      trackedPeers: 2,
      peersWithoutConfirmation: [],
      missingConfirmations: [],
      laggingPeers: [{ peerId: 'hub', lagMs: 40_000 }],
      maxLagMs: 40_000,
      lastConfirmedAt: { edge: expect.any(Number), hub: expect.any(Number) },
      ...thresholds,
    });
  });

  it('degraded when an active peer has no confirmation yet', async () => {
    const alice = await aliceWithGap(1_000);
    await registerPeer(storage.open('primary'), 'hub');
    await registerPeer(storage.open('primary'), 'edge');
    await confirm('hub', alice[1]!);
    expect(await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW })).toEqual({
      datasetId: 'primary',
      status: 'degraded',
      reason: 'peer "edge" has not confirmed author "alice" yet',
      checkedAt: NOW,
      trackedPeers: 2,
      peersWithoutConfirmation: ['edge'],
      missingConfirmations: [{ peerId: 'edge', authorId: 'alice' }],
      laggingPeers: [],
      maxLagMs: 0,
      lastConfirmedAt: { edge: null, hub: expect.any(Number) },
      ...thresholds,
    });
  });

  it('unhealthy when a peer lags beyond the critical threshold', async () => {
    const alice = await aliceWithGap(130_000);
    await registerPeer(storage.open('primary'), 'hub');
    await registerPeer(storage.open('primary'), 'edge');
    await confirm('hub', alice[0]!);
    const health = await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW });
    expect(health).toMatchObject({
      status: 'unhealthy',
      reason: 'peer "hub" lags 130000 ms (critical threshold 120000 ms); peer "edge" has not confirmed author "alice" yet',
      trackedPeers: 2,
      peersWithoutConfirmation: ['edge'],
      laggingPeers: [{ peerId: 'hub', lagMs: 130_000 }],
      maxLagMs: 130_000,
    });
  });

  it('lag is exactly at a threshold: not beyond it', async () => {
    const alice = await aliceWithGap(30_000);
    await registerPeer(storage.open('primary'), 'hub');
    await confirm('hub', alice[0]!);
    const health = await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW });
    expect(health.status).toBe('healthy');
    expect(health.maxLagMs).toBe(30_000);
    const critical = await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW, lagThresholdMs: 10_000, criticalLagThresholdMs: 30_000 });
    expect(critical.status).toBe('degraded');
  });

  it('clamps the critical threshold to at least the lag threshold', async () => {
    const alice = await aliceWithGap(40_000);
    await registerPeer(storage.open('primary'), 'hub');
    await confirm('hub', alice[0]!);
    const health = await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW, lagThresholdMs: 50_000, criticalLagThresholdMs: 10_000 });
    // Unclamped, 40 s would be past a 10 s critical threshold.
    expect(health).toMatchObject({ status: 'healthy', lagThresholdMs: 50_000, criticalLagThresholdMs: 50_000, maxLagMs: 40_000 });
  });

  it('ignores inactive peers', async () => {
    const alice = await aliceWithGap(200_000);
    await registerPeer(storage.open('primary'), 'hub');
    await registerPeer(storage.open('primary'), 'retired');
    await registerPeer(storage.open('primary'), 'paused');
    await confirm('hub', alice[1]!);
    await confirm('paused', alice[0]!); // 200 s behind
    await deactivatePeer(storage.open('primary'), 'retired');
    await deactivatePeer(storage.open('primary'), 'paused');
    const health = await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW });
    expect(health).toMatchObject({ status: 'healthy', trackedPeers: 1, peersWithoutConfirmation: [], laggingPeers: [], maxLagMs: 0 });
    expect(Object.keys(health.lastConfirmedAt)).toEqual(['hub']);
  });

  it("a peer's lag is its worst author", async () => {
    storage = make();
    const alice = chainAt('alice', [[1_000, 0], [11_000, 0]]);
    const bob = chainAt('bob', [[1_000, 0], [51_000, 0]]);
    await seed(storage, alice);
    await seed(storage, bob);
    await registerPeer(storage.open('primary'), 'hub');
    await confirm('hub', alice[0]!);
    await confirm('hub', bob[0]!);
    const health = await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW });
    expect(health).toMatchObject({ status: 'degraded', laggingPeers: [{ peerId: 'hub', lagMs: 50_000 }], maxLagMs: 50_000 });
  });

  it("a peer need not confirm its own entries, nor authors whose entries were all pruned", async () => {
    storage = make();
    const alice = makeChain('alice', 3, { startWall: 5_000 });
    const bob = makeChain('bob', 3, { startWall: 5_000, keys: (i) => `b${i}` });
    const carol = makeChain('carol', 2, { startWall: 1_000, keys: (i) => `c${i}` });
    await seed(storage, alice);
    await seed(storage, bob);
    await seed(storage, carol);
    await storage.open('primary').oplog.prune({ wall: 2_000, logic: 0, nodeId: '' }); // carol's entries only
    await registerPeer(storage.open('primary'), 'bob');
    await confirm('bob', alice[2]!);
    const health = await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW });
    expect(health).toMatchObject({ status: 'healthy', peersWithoutConfirmation: [], missingConfirmations: [], maxLagMs: 0 });
  });

  it('a watermark ahead of our head counts as no lag', async () => {
    const alice = await aliceWithGap(50_000);
    await registerPeer(storage.open('primary'), 'hub');
    await storage.open('primary').confirmations.confirm('hub', 'alice', { wall: alice[1]!.hlc.wall + 5_000, logic: 0, nodeId: 'alice' }, alice[1]!.hash);
    expect((await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW })).maxLagMs).toBe(0);
  });

  it('unhealthy when the storage probe throws', async () => {
    storage = make();
    const failing = {
      oplog: storage.open('primary').oplog,
      confirmations: {
        ...storage.open('primary').confirmations,
        listPeers: async () => {
          throw new Error('disk I/O error');
        },
      },
    };
    expect(await datasetHealth({ datasetId: 'primary', storage: failing, now: NOW })).toEqual({
      datasetId: 'primary',
      status: 'unhealthy',
      reason: 'storage probe failed: disk I/O error',
      checkedAt: NOW,
      trackedPeers: 0,
      peersWithoutConfirmation: [],
      missingConfirmations: [],
      laggingPeers: [],
      maxLagMs: 0,
      lastConfirmedAt: {},
      ...thresholds,
    });
  });

  it('unhealthy when the storage is closed', async () => {
    storage = make();
    await storage.close();
    const health = await datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), now: NOW });
    expect(health.status).toBe('unhealthy');
    expect(health.reason).toMatch(/^storage probe failed: The \w+ storage adapter is closed/);
  });

  it('rejects thresholds that are not durations', async () => {
    storage = make();
    await expect(datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), lagThresholdMs: -1 })).rejects.toMatchObject({ code: 'invalid_options' });
    await expect(datasetHealth({ datasetId: 'primary', storage: storage.open('primary'), criticalLagThresholdMs: Number.NaN })).rejects.toMatchObject({ code: 'invalid_options' });
  });
});
