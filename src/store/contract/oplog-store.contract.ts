import { expect, it } from 'vitest';
import { entryByteSize } from '../../core/oplog-entry.ts';
import { byDataset, hlc, makeChain } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';
import { chainRange } from '../chain-range.ts';

export function oplogStoreContract(ctx: SuiteContext): void {
  it('appends with dedupe by hash and finds entries by hash', async () => {
    const { oplog } = byDataset(ctx.adapter());
    const chain = makeChain('alice', 3);
    expect(await oplog('primary').append(chain)).toBe(3);
    expect(await oplog('primary').append([chain[1]!, ...makeChain('alice', 1, { startWall: 9_000, prevHash: chain[2]!.hash })])).toBe(1);
    expect(await oplog('primary').count()).toBe(4);
    expect(await oplog('primary').getByHash(chain[1]!.hash)).toEqual(chain[1]);
    expect(await oplog('primary').getByHash('f'.repeat(64))).toBeUndefined();
  });

  it('keeps an entry\'s signature through every read, and none where there was none', async () => {
    const { oplog, documents, snapshots } = byDataset(ctx.adapter());
    const chain = makeChain('alice', 3);
    const signed = { ...chain[2]!, signature: 'ab'.repeat(96) };
    await documents('primary').applyBatch({ documents: [], entries: [chain[0]!, chain[1]!, signed] });
    expect(await oplog('primary').getByHash(signed.hash)).toEqual(signed);
    expect((await oplog('primary').getByHash(chain[1]!.hash))?.signature).toBeUndefined();
    expect(await oplog('primary').entriesByAuthorAfter('alice', null)).toEqual([chain[0], chain[1], signed]);
    expect(await oplog('primary').entriesAfter(null)).toEqual([chain[0], chain[1], signed]);
    expect(await chainRange(oplog('primary'), chain[0]!.hash, signed.hash)).toEqual([chain[1], signed]);
    const exported = await snapshots('primary').export();
    expect(exported.oplog).toEqual([chain[0], chain[1], signed]);
    await snapshots('logs').import({ ...exported, datasetId: 'logs', oplog: exported.oplog.map((e) => ({ ...e, datasetId: 'logs' })) }, { mode: 'replace' });
    expect((await oplog('logs').getByHash(signed.hash))?.signature).toBe(signed.signature);
  });

  it('keeps one head per author: the vector clock', async () => {
    const { oplog } = byDataset(ctx.adapter());
    const a = makeChain('alice', 3);
    const b = makeChain('bob', 2, { startWall: 50_000 });
    await oplog('primary').append([...b, ...a]);
    expect(await oplog('primary').heads()).toEqual([
      { nodeId: 'alice', hlc: a[2]!.hlc, hash: a[2]!.hash },
      { nodeId: 'bob', hlc: b[1]!.hlc, hash: b[1]!.hash },
    ]);
    expect(await oplog('primary').head('bob')).toEqual({ nodeId: 'bob', hlc: b[1]!.hlc, hash: b[1]!.hash });
    expect(await oplog('primary').head('carol')).toBeUndefined();
  });

  it('reads one author after an HLC, ascending, within limits', async () => {
    const { oplog } = byDataset(ctx.adapter());
    const a = makeChain('alice', 10);
    await oplog('primary').append([...makeChain('bob', 10), ...[...a].reverse()]);
    expect((await oplog('primary').entriesByAuthorAfter('alice', null)).map((e) => e.hash)).toEqual(a.map((e) => e.hash));
    expect((await oplog('primary').entriesByAuthorAfter('alice', a[6]!.hlc)).map((e) => e.hash)).toEqual(a.slice(7).map((e) => e.hash));
    expect((await oplog('primary').entriesByAuthorAfter('alice', a[1]!.hlc, { limit: 3 })).map((e) => e.hash)).toEqual(a.slice(2, 5).map((e) => e.hash));
    expect(await oplog('primary').entriesByAuthorAfter('alice', a[9]!.hlc)).toEqual([]);
  });

  it('reads across authors in HLC order after a timestamp', async () => {
    const { oplog } = byDataset(ctx.adapter());
    const a = makeChain('alice', 5, { startWall: 100 });
    const b = makeChain('bob', 5, { startWall: 100 });
    await oplog('primary').append([...b, ...a]);
    const all = await oplog('primary').entriesAfter(null);
    expect(all.map((e) => `${e.hlc.wall}${e.hlc.nodeId}`)).toEqual([
      '100alice', '100bob', '101alice', '101bob', '102alice', '102bob', '103alice', '103bob', '104alice', '104bob',
    ]);
    const after = await oplog('primary').entriesAfter({ wall: 102, logic: 0, nodeId: 'alice' }, { limit: 3 });
    expect(after.map((e) => `${e.hlc.wall}${e.hlc.nodeId}`)).toEqual(['102bob', '103alice', '103bob']);
  });

  it('bounds reads by bytes but always returns at least one entry', async () => {
    const { oplog } = byDataset(ctx.adapter());
    const chain = makeChain('alice', 20, { values: (i) => ({ i, pad: 'x'.repeat(1_000) }) });
    await oplog('primary').append(chain);
    const size = entryByteSize(chain[0]!);
    const page = await oplog('primary').entriesAfter(null, { maxBytes: size * 3 + 10 });
    expect(page.map((e) => e.hash)).toEqual(chain.slice(0, 3).map((e) => e.hash));
    const tiny = await oplog('primary').entriesByAuthorAfter('alice', null, { maxBytes: 1 });
    expect(tiny).toHaveLength(1);
  });

  it('returns a chain range between two hashes of one author', async () => {
    const { oplog } = byDataset(ctx.adapter());
    const a = makeChain('alice', 8);
    await oplog('primary').append([...a, ...makeChain('bob', 8)]);
    expect((await chainRange(oplog('primary'), a[2]!.hash, a[5]!.hash))?.map((e) => e.hash)).toEqual(a.slice(3, 6).map((e) => e.hash));
    expect((await chainRange(oplog('primary'), '', a[1]!.hash))?.map((e) => e.hash)).toEqual(a.slice(0, 2).map((e) => e.hash));
    expect(await chainRange(oplog('primary'), 'e'.repeat(64), a[5]!.hash)).toBeUndefined();
    expect(await chainRange(oplog('primary'), a[2]!.hash, 'e'.repeat(64))).toBeUndefined();
  });

  it('prunes up to a cutoff and writes per-author boundaries in the same step', async () => {
    const { oplog } = byDataset(ctx.adapter());
    const a = makeChain('alice', 10, { startWall: 100 });
    const b = makeChain('bob', 10, { startWall: 105 });
    await oplog('primary').append([...a, ...b]);
    const result = await oplog('primary').prune(hlc(106, 'zzz'));
    // alice 100..106 (7 entries), bob 105..106 (2 entries)
    expect(result.removed).toBe(9);
    expect(result.boundaries).toEqual([
      { nodeId: 'alice', hlc: a[6]!.hlc, hash: a[6]!.hash },
      { nodeId: 'bob', hlc: b[1]!.hlc, hash: b[1]!.hash },
    ]);
    expect(await oplog('primary').count()).toBe(11);
    expect(await oplog('primary').boundary('alice')).toEqual({ nodeId: 'alice', hlc: a[6]!.hlc, hash: a[6]!.hash });
    expect(await oplog('primary').boundaries()).toHaveLength(2);
    // heads survive pruning
    expect((await oplog('primary').head('alice'))?.hash).toBe(a[9]!.hash);
    // a chain range can start at the boundary, but not at the pruned chain start
    expect((await chainRange(oplog('primary'), a[6]!.hash, a[8]!.hash))?.map((e) => e.hash)).toEqual([a[7]!.hash, a[8]!.hash]);
    expect(await chainRange(oplog('primary'), '', a[8]!.hash)).toBeUndefined();
    expect(await chainRange(oplog('primary'), a[2]!.hash, a[8]!.hash)).toBeUndefined();
  });

  it('never moves a boundary backwards', async () => {
    const { oplog } = byDataset(ctx.adapter());
    const a = makeChain('alice', 10, { startWall: 100 });
    await oplog('primary').append(a.slice(5));
    await oplog('primary').prune(hlc(107, 'zzz'));
    await oplog('primary').append(a.slice(0, 5)); // late arrivals older than the boundary
    const second = await oplog('primary').prune(hlc(104, 'zzz'));
    expect(second.removed).toBe(5);
    expect(second.boundaries).toEqual([]);
    expect((await oplog('primary').boundary('alice'))?.hash).toBe(a[7]!.hash);
  });

  it('rolls back a prune that fails before commit', async () => {
    const { oplog } = byDataset(ctx.adapter());
    await oplog('primary').append(makeChain('alice', 5, { startWall: 100 }));
    ctx.failNextCommit();
    await expect(oplog('primary').prune(hlc(103, 'zzz'))).rejects.toThrow();
    expect(await oplog('primary').count()).toBe(5);
    expect(await oplog('primary').boundaries()).toEqual([]);
  });
}
