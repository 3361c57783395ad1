import { afterEach, describe, expect, it } from 'vitest';
import { resolveDatasetOptions } from '../../src/core/dataset-options.ts';
import type { OplogEntry } from '../../src/core/oplog-entry.ts';
import { makeChain } from '../../src/store/contract/fixtures.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';
import type { MaintenanceStorage } from '../../src/sync/confirmation-coverage.ts';
import { MAX_LOGIC } from '../../src/sync/hlc-bounds.ts';
import { activatePeer, computePruneCutoff, deactivatePeer, registerPeer, removePeer, runMaintenance } from '../../src/sync/maintenance.ts';
import { chainAt, hashes, headOf, seed, storageCases } from './fixtures.ts';

const end = (wall: number) => ({ wall, logic: MAX_LOGIC, nodeId: '~' });
/** Retention of 1 s: at `now`, everything at or before wall now - 1000 is old enough. */
const options = resolveDatasetOptions('primary', { retention: { maxAgeMs: 1_000 } });
const hashesOf = (entries: readonly OplogEntry[]) => entries.map((e) => e.hash);
const confirm = (s: StorageAdapter, peer: string, e: OplogEntry) => s.open('primary').confirmations.confirm(peer, e.hlc.nodeId, e.hlc, e.hash);

describe.each(storageCases)('pruning on $name', ({ make }) => {
  let storage!: StorageAdapter;
  const opened: StorageAdapter[] = [];
  const open = (): StorageAdapter => {
    storage = make();
    opened.push(storage);
    return storage;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  // alice: walls 1000..1009; bob: walls 1003..1007, interleaved with alice.
  const alice = makeChain('alice', 10, { startWall: 1_000 });
  const bob = makeChain('bob', 5, { startWall: 1_003, keys: (i) => `b${i}` });
  const byHlc = [...alice, ...bob].sort((a, b) => a.hlc.wall - b.hlc.wall || (a.hlc.nodeId < b.hlc.nodeId ? -1 : 1));

  async function seeded(...chains: OplogEntry[][]): Promise<StorageAdapter> {
    open();
    for (const c of chains) await seed(storage, c);
    return storage;
  }

  describe('retention only (no tracked peers)', () => {
    it('prunes everything at or before now - maxAgeMs and writes one boundary per author', async () => {
      const s = await seeded(alice, bob);
      const headsBefore = await s.open('primary').oplog.heads();
      const report = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_005 });

      expect(report.cutoff).toEqual(end(1_005));
      expect(report.retentionCutoff).toEqual(end(1_005));
      expect(report.confirmationCutoff).toBeNull();
      expect(report.missingConfirmations).toEqual([]);
      expect(report.size).toBeNull();
      expect(report.reason).toBe('retention only (no active tracked peers): entries at or before wall 1005');
      expect(report.pruned).toBe(9); // alice 1000..1005, bob 1003..1005
      expect(report.boundaries).toEqual([headOf(alice[5]!), headOf(bob[2]!)]);
      expect(await s.open('primary').oplog.boundaries()).toEqual(report.boundaries);
      expect(await hashes(s, 'primary')).toEqual(hashesOf(byHlc.filter((e) => e.hlc.wall > 1_005)));
      expect(await s.open('primary').oplog.heads()).toEqual(headsBefore);

      const again = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_005 });
      expect(again.pruned).toBe(0);
      expect(again.boundaries).toEqual([]);
    });

    it('prunes nothing when nothing is old enough', async () => {
      const s = await seeded(alice);
      const report = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 1_999 });
      expect(report.cutoff).toEqual(end(999));
      expect(report.pruned).toBe(0);
      expect(await s.open('primary').oplog.count()).toBe(10);
    });

    it('computePruneCutoff only reads', async () => {
      const s = await seeded(alice);
      const plan = await computePruneCutoff({ datasetId: 'primary', storage: s.open('primary'), retention: { maxAgeMs: 1_000 }, now: 2_009 });
      expect(plan.cutoff).toEqual(end(1_009));
      expect(await s.open('primary').oplog.count()).toBe(10);
      expect(await s.open('primary').oplog.boundaries()).toEqual([]);
    });

    it('rejects a retention that is not a non-negative duration', async () => {
      const s = await seeded(alice);
      await expect(computePruneCutoff({ datasetId: 'primary', storage: s.open('primary'), retention: { maxAgeMs: -1 }, now: 2_000 })).rejects.toMatchObject({ code: 'invalid_options' });
      await expect(computePruneCutoff({ datasetId: 'Bad', storage: s.open('primary'), retention: { maxAgeMs: 1 }, now: 2_000 })).rejects.toMatchObject({ code: 'invalid_dataset_id' });
    });
  });

  describe('two cutoffs', () => {
    it('a peer that confirmed up to entry k holds pruning at k; as it confirms more, pruning follows', async () => {
      const s = await seeded(alice);
      await registerPeer(s.open('primary'), 'hub');
      await confirm(s, 'hub', alice[3]!);

      // Retention alone would prune through wall 1008.
      const first = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_008 });
      expect(first.retentionCutoff).toEqual(end(1_008));
      expect(first.confirmationCutoff).toEqual(end(1_003));
      expect(first.cutoff).toEqual(end(1_003));
      expect(first.reason).toBe('min(retention, confirmation): confirmation binds at wall 1003: peer "hub" confirmed author "alice" only up to 1003:0:alice');
      expect(first.pruned).toBe(4);
      expect(first.boundaries).toEqual([headOf(alice[3]!)]);
      expect(await hashes(s, 'primary')).toEqual(hashesOf(alice.slice(4)));

      await confirm(s, 'hub', alice[6]!);
      const second = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_008 });
      expect(second.cutoff).toEqual(end(1_006));
      expect(second.pruned).toBe(3);
      expect(second.boundaries).toEqual([headOf(alice[6]!)]);

      await confirm(s, 'hub', alice[9]!);
      const third = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_008 });
      expect(third.confirmationCutoff).toEqual(alice[9]!.hlc); // everything confirmed: the newest entry
      expect(third.cutoff).toEqual(end(1_008));
      expect(third.reason).toBe('min(retention, confirmation): retention binds at wall 1008');
      expect(third.pruned).toBe(2);
      expect(await hashes(s, 'primary')).toEqual([alice[9]!.hash]);
      expect(await s.open('primary').oplog.boundary('alice')).toEqual(headOf(alice[8]!));
    });

    it('is exact within a millisecond: the watermark logic counter, not its wall, bounds the cutoff', async () => {
      const a = chainAt('alice', [[1_000, 0], [1_000, 1], [1_000, 2], [1_001, 0]]);
      const s = await seeded(a);
      await registerPeer(s.open('primary'), 'hub');
      await confirm(s, 'hub', a[1]!);
      const report = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 5_000 });
      // "lowest watermark wall - 1" would be wall 999 and prune nothing.
      expect(report.confirmationCutoff).toEqual({ wall: 1_000, logic: 1, nodeId: '~' });
      expect(report.pruned).toBe(2);
      expect(await hashes(s, 'primary')).toEqual(hashesOf(a.slice(2)));
    });

    it('the slowest active peer binds', async () => {
      const s = await seeded(alice);
      await registerPeer(s.open('primary'), 'hub');
      await registerPeer(s.open('primary'), 'edge');
      await confirm(s, 'hub', alice[6]!);
      await confirm(s, 'edge', alice[2]!);
      const report = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_008 });
      expect(report.cutoff).toEqual(end(1_002));
      expect(report.reason).toContain('peer "edge" confirmed author "alice" only up to 1002:0:alice');
      expect(report.pruned).toBe(3);
    });

    it('with several authors the earliest unconfirmed entry of any author bounds the global cutoff', async () => {
      const s = await seeded(alice, bob);
      await registerPeer(s.open('primary'), 'hub');
      await confirm(s, 'hub', alice[9]!);
      await confirm(s, 'hub', bob[1]!); // bob's first unconfirmed entry is at wall 1005
      const report = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_009 });
      expect(report.cutoff).toEqual(end(1_004));
      expect(report.reason).toContain('author "bob" only up to 1004:0:bob');
      expect(await hashes(s, 'primary')).toEqual(hashesOf(byHlc.filter((e) => e.hlc.wall > 1_004)));
      // bob's unconfirmed entries are all still there.
      expect((await s.open('primary').oplog.entriesByAuthorAfter('bob', null)).map((e) => e.hash)).toEqual(hashesOf(bob.slice(2)));
    });

    it('an author whose entries are all confirmed never holds pruning back, however old its watermark', async () => {
      const carol = makeChain('carol', 2, { startWall: 1_000, keys: (i) => `c${i}` });
      const a = makeChain('alice', 10, { startWall: 1_002 }); // walls 1002..1011
      const s = await seeded(carol, a);
      await registerPeer(s.open('primary'), 'hub');
      await confirm(s, 'hub', carol[1]!); // wall 1001: the lowest watermark wall
      await confirm(s, 'hub', a[6]!); // wall 1008
      const report = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_010 });
      expect(report.cutoff).toEqual(end(1_008));
      expect(report.pruned).toBe(9); // carol's 2 + alice 1002..1008
      expect(await hashes(s, 'primary')).toEqual(hashesOf(a.slice(7)));
    });

    it("a peer is not asked to confirm its own entries", async () => {
      const s = await seeded(alice, bob);
      await registerPeer(s.open('primary'), 'bob');
      await confirm(s, 'bob', alice[9]!);
      const report = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_008 });
      expect(report.missingConfirmations).toEqual([]);
      expect(report.cutoff).toEqual(end(1_008));
      expect(report.pruned).toBe(14);
      expect(await hashes(s, 'primary')).toEqual([alice[9]!.hash]);
    });
  });

  describe('missing confirmations', () => {
    it('a tracked active peer without a watermark skips the cycle; removing it lets pruning proceed', async () => {
      const s = await seeded(alice, bob);
      await registerPeer(s.open('primary'), 'hub');
      const skipped = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_005 });
      expect(skipped.cutoff).toBeNull();
      expect(skipped.pruned).toBe(0);
      expect(skipped.boundaries).toEqual([]);
      expect(skipped.confirmationCutoff).toBeNull();
      expect(skipped.retentionCutoff).toEqual(end(1_005));
      expect(skipped.missingConfirmations).toEqual([
        { peerId: 'hub', authorId: 'alice' },
        { peerId: 'hub', authorId: 'bob' },
      ]);
      expect(skipped.reason).toBe(
        'skipped: active peer "hub" has no confirmation for author "alice" (and 1 more peer/author pairs); remove or deactivate the peer if it is gone for good',
      );
      expect(await s.open('primary').oplog.count()).toBe(15);
      expect(await s.open('primary').oplog.boundaries()).toEqual([]);

      expect(await removePeer(s.open('primary'), 'hub')).toBe(true);
      const after = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_005 });
      expect(after.cutoff).toEqual(end(1_005));
      expect(after.pruned).toBe(9);
    });

    it('one missing author is enough; deactivating the peer lifts it, reactivating restores it', async () => {
      const s = await seeded(alice, bob);
      await registerPeer(s.open('primary'), 'hub');
      await confirm(s, 'hub', alice[9]!);
      const skipped = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_005 });
      expect(skipped.cutoff).toBeNull();
      expect(skipped.missingConfirmations).toEqual([{ peerId: 'hub', authorId: 'bob' }]);
      expect(skipped.reason).toContain('"hub" has no confirmation for author "bob"');

      expect(await deactivatePeer(s.open('primary'), 'hub')).toBe(true);
      const proceeded = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_005 });
      expect(proceeded.pruned).toBe(9);
      expect(proceeded.reason).toContain('no active tracked peers');
      // Deactivation keeps the peer and its watermarks.
      expect((await s.open('primary').confirmations.confirmations('hub')).map((c) => c.authorId)).toEqual(['alice']);

      expect(await activatePeer(s.open('primary'), 'hub')).toBe(true);
      const again = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_007 });
      expect(again.cutoff).toBeNull();
      expect(await s.open('primary').oplog.count()).toBe(6);

      expect(await deactivatePeer(s.open('primary'), 'nobody')).toBe(false);
      expect((await s.open('primary').confirmations.listPeers()).map((p) => p.peerId)).toEqual(['hub']);
    });

    it('an author whose entries were all pruned needs no watermark', async () => {
      const carol = makeChain('carol', 2, { startWall: 1_000, keys: (i) => `c${i}` });
      const a = makeChain('alice', 10, { startWall: 1_500 });
      const s = await seeded(carol, a);
      expect((await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_200 })).pruned).toBe(2);
      expect((await s.open('primary').oplog.heads()).map((h) => h.nodeId)).toEqual(['alice', 'carol']);

      await registerPeer(s.open('primary'), 'hub');
      await confirm(s, 'hub', a[4]!);
      const report = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_600 });
      expect(report.missingConfirmations).toEqual([]);
      expect(report.cutoff).toEqual(end(1_504));
      expect(report.pruned).toBe(5);
    });

    it('registering a known peer again keeps its watermarks', async () => {
      const s = await seeded(alice);
      await registerPeer(s.open('primary'), 'hub', { address: 'ws://hub' });
      await confirm(s, 'hub', alice[4]!);
      await registerPeer(s.open('primary'), 'hub');
      const report = await runMaintenance({ datasetId: 'primary', options, storage: s.open('primary'), now: 2_009 });
      expect(report.cutoff).toEqual(end(1_004));
      expect((await s.open('primary').confirmations.listPeers())[0]!.address).toBe('ws://hub');
    });
  });

  describe('entries arriving while the cutoff is computed', () => {
    /**
     * Runs `arrive(call)` before each call to oplog.heads. The first call starts the cutoff
     * computation; the second is the last look before pruning, after every other read.
     */
    function beforeHeads(s: StorageAdapter, arrive: (call: number) => Promise<void>): MaintenanceStorage {
      let call = 0;
      const store = s.open('primary');
      const oplog = new Proxy(store.oplog, {
        get(target, prop) {
          const value = Reflect.get(target, prop) as unknown;
          if (typeof value !== 'function') return value;
          if (prop !== 'heads') return value.bind(target);
          return async () => {
            await arrive(call++);
            return target.heads();
          };
        },
      });
      return { oplog, confirmations: store.confirmations };
    }

    it('a new author with old entries is noticed before pruning, and its unconfirmed entries survive', async () => {
      const s = await seeded(alice);
      await registerPeer(s.open('primary'), 'hub');
      await confirm(s, 'hub', alice[9]!);
      const late = makeChain('late', 2, { startWall: 900, keys: (i) => `l${i}` });
      const report = await runMaintenance({ datasetId: 'primary', options, storage: beforeHeads(s, async (call) => { if (call === 1) await seed(s, late); }), now: 2_008 });
      expect(report.cutoff).toBeNull();
      expect(report.missingConfirmations).toEqual([{ peerId: 'hub', authorId: 'late' }]);
      expect(await s.open('primary').oplog.getByHash(late[0]!.hash)).toBeDefined();
      expect(await s.open('primary').oplog.count()).toBe(12);
    });

    it('new entries of a known author under the cutoff make it recompute', async () => {
      const b = makeChain('bob', 3, { startWall: 1_003, keys: (i) => `b${i}` });
      const s = await seeded(alice, b.slice(0, 1));
      await registerPeer(s.open('primary'), 'hub');
      await confirm(s, 'hub', alice[9]!);
      await confirm(s, 'hub', b[0]!);
      // Without a second look the cutoff would be wall 1008 and take bob 1004..1005 unconfirmed.
      const report = await runMaintenance({ datasetId: 'primary', options, storage: beforeHeads(s, async (call) => { if (call === 1) await seed(s, b.slice(1)); }), now: 2_008 });
      expect(report.cutoff).toEqual(end(1_003));
      expect(report.pruned).toBe(5); // alice 1000..1003 and bob 1003
      expect((await s.open('primary').oplog.entriesByAuthorAfter('bob', null)).map((e) => e.hash)).toEqual(hashesOf(b.slice(1)));
    });

    it('gives up for this cycle when arrivals keep coming', async () => {
      const s = await seeded(alice);
      let n = 0;
      const storageArriving = beforeHeads(s, async () => {
        n++;
        await seed(s, makeChain(`late${n}`, 1, { startWall: 900, keys: () => `late${n}` }));
      });
      const report = await runMaintenance({ datasetId: 'primary', options, storage: storageArriving, now: 2_008 });
      expect(n).toBe(6); // three computations, each followed by a last look
      expect(report.cutoff).toBeNull();
      expect(report.pruned).toBe(0);
      expect(report.reason).toBe('skipped: entries at or before the cutoff kept arriving while it was computed (3 attempts); the next cycle tries again');
      expect(await s.open('primary').oplog.count()).toBe(10 + n);
    });
  });
});
