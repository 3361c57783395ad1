import { expect, it } from 'vitest';
import type { StoredDocument } from '../../core/document.ts';
import { byDataset, documentsFor, hlc, plain, makeChain } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';

export function snapshotStoreContract(ctx: SuiteContext): void {
  async function seed(nodeId: string, count: number, startWall = 1_000) {
    const { documents, oplog } = byDataset(ctx.adapter());
    const entries = makeChain(nodeId, count, { startWall, keys: (i) => `${nodeId}-${i}` });
    await documents('primary').applyBatch({ documents: documentsFor(entries), entries });
    await oplog('primary').prune(entries[1]!.hlc);
    return entries;
  }

  it('exports documents, oplog, heads and boundaries of a dataset', async () => {
    const entries = await seed('alice', 5);
    const snap = await ctx.adapter().open('primary').snapshots.export();
    expect(snap.format).toBe('sluice-snapshot/1');
    expect(snap.datasetId).toBe('primary');
    expect(snap.documents).toHaveLength(5);
    expect(snap.oplog.map((e) => e.hash)).toEqual(entries.slice(2).map((e) => e.hash));
    expect(snap.heads).toEqual([{ nodeId: 'alice', hlc: entries[4]!.hlc, hash: entries[4]!.hash }]);
    expect(snap.boundaries).toEqual([{ nodeId: 'alice', hlc: entries[1]!.hlc, hash: entries[1]!.hash }]);
    // survives a JSON round trip (snapshots travel as bytes)
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('replace drops what was there and takes the snapshot exactly', async () => {
    const alice = await seed('alice', 5);
    const snap = JSON.parse(JSON.stringify(await ctx.adapter().open('primary').snapshots.export()));
    await ctx.adapter().open('primary').snapshots.import({ ...snap, documents: [], oplog: [], heads: [], boundaries: [] }, { mode: 'replace' });
    expect(await ctx.adapter().open('primary').oplog.count()).toBe(0);
    await seed('bob', 3);
    const result = await ctx.adapter().open('primary').snapshots.import(snap, { mode: 'replace' });
    expect(result).toEqual({ documents: 5, entries: 3 });
    const after = await ctx.adapter().open('primary').snapshots.export();
    expect(after.documents.map((d) => d.key).sort()).toEqual(alice.map((e) => e.key).sort());
    expect(after.heads.map((h) => h.nodeId)).toEqual(['alice']);
    expect(after.boundaries).toEqual(snap.boundaries);
  });

  it('merge keeps local data, adds what is missing and resolves overlaps', async () => {
    const { documents, snapshots } = byDataset(ctx.adapter());
    await seed('alice', 3);
    const snap = JSON.parse(JSON.stringify(await snapshots('primary').export()));
    await snapshots('primary').import({ ...snap, documents: [], oplog: [], heads: [], boundaries: [] }, { mode: 'replace' });
    await documents('primary').put({ collection: 'todos', key: 'alice-0', value: 'newer local', hlc: hlc(99_999, 'zed'), deleted: false });
    await documents('primary').put({ collection: 'todos', key: 'only-local', value: 1, hlc: hlc(1, 'zed'), deleted: false });
    await snapshots('primary').import(snap, { mode: 'merge' });
    expect((await documents('primary').get('todos', 'alice-0'))?.value).toBe('newer local');
    expect((await documents('primary').get('todos', 'alice-1'))?.value).toEqual({ n: 1, by: 'alice' });
    expect((await documents('primary').get('todos', 'only-local'))?.value).toBe(1);

    const custom = (local: StoredDocument, incoming: StoredDocument): StoredDocument => ({ ...local, value: { local: local.value, incoming: incoming.value } });
    await snapshots('primary').import(snap, { mode: 'merge', mergeDocument: custom });
    expect((await documents('primary').get('todos', 'alice-2'))?.value).toEqual({ local: { n: 2, by: 'alice' }, incoming: { n: 2, by: 'alice' } });
  });

  it('an import that fails leaves the dataset unchanged', async () => {
    await seed('alice', 4);
    const before = await ctx.adapter().open('primary').snapshots.export();
    const bad = JSON.parse(JSON.stringify(before));
    bad.oplog.push({ ...bad.oplog[0], hash: 'not-a-hash' });
    await expect(ctx.adapter().open('primary').snapshots.import(bad, { mode: 'replace' })).rejects.toMatchObject({ code: 'invalid_entry' });
    ctx.failNextCommit();
    await expect(ctx.adapter().open('primary').snapshots.import({ ...before, documents: [], oplog: [] }, { mode: 'replace' })).rejects.toThrow();
    const after = await ctx.adapter().open('primary').snapshots.export();
    expect({ ...after, createdAt: 0 }).toEqual({ ...before, createdAt: 0 });
  });

  it('reads a legacy snapshot without dataset ids as primary', async () => {
    const entries = makeChain('alice', 3);
    const legacy = {
      createdAt: 1,
      documents: documentsFor(entries).map((d) => plain(d)),
      oplog: entries.map(({ datasetId: _drop, ...rest }) => rest),
    };
    await ctx.adapter().open('primary').snapshots.import(legacy, { mode: 'merge' });
    const stored = await ctx.adapter().open('primary').oplog.entriesAfter(null);
    expect(stored.map((e) => e.datasetId)).toEqual(['primary', 'primary', 'primary']);
    expect(stored.map((e) => e.hash)).toEqual(entries.map((e) => e.hash));
    await expect(ctx.adapter().open('logs').snapshots.import(legacy, { mode: 'merge' })).rejects.toMatchObject({ code: 'dataset_mismatch' });
  });
}
