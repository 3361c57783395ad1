import { expect, it } from 'vitest';
import { byDataset, documentsFor, hlc, makeChain } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';
import { chainRange } from '../chain-range.ts';

/** The same collection and key in two datasets must stay apart for every read, prune, export and import. */
export function isolationContract(ctx: SuiteContext): void {
  async function seedBoth() {
    const { documents } = byDataset(ctx.adapter());
    const p = makeChain('alice', 6, { datasetId: 'primary', values: (i) => ({ ds: 'primary', i }) });
    const l = makeChain('alice', 6, { datasetId: 'logs', values: (i) => ({ ds: 'logs', i }) });
    await documents('primary').applyBatch({ documents: documentsFor(p), entries: p });
    await documents('logs').applyBatch({ documents: documentsFor(l), entries: l });
    return { p, l };
  }

  it('keeps instances of a dataset apart from each other and from the dataset, ids that differ only in case included', async () => {
    const { documents, oplog } = byDataset(ctx.adapter());
    const ids = ['user/Ann', 'user/ann', 'user/a.b', 'user'];
    if (!ctx.instances) {
      for (const id of ids.slice(0, 3)) await expect(documents(id).get('todos', 'k0')).rejects.toMatchObject({ code: 'invalid_dataset_id' });
      return;
    }
    for (const datasetId of ids) {
      const entries = makeChain('alice', 3, { datasetId, values: (i) => ({ ds: datasetId, i }) });
      await documents(datasetId).applyBatch({ documents: documentsFor(entries), entries });
    }
    for (const datasetId of ids) {
      expect((await documents(datasetId).list('todos')).map((d) => (d.value as { ds: string }).ds)).toEqual([datasetId, datasetId, datasetId]);
      expect((await oplog(datasetId).entriesAfter(null)).every((e) => e.datasetId === datasetId)).toBe(true);
    }
  });

  it('keeps documents, oplog and heads apart', async () => {
    const { documents, oplog } = byDataset(ctx.adapter());
    const { p, l } = await seedBoth();
    expect(p[0]!.hash).not.toBe(l[0]!.hash); // the dataset id is part of the hash
    expect((await documents('primary').get('todos', 'k0'))?.value).toEqual({ ds: 'primary', i: 0 });
    expect((await documents('logs').get('todos', 'k0'))?.value).toEqual({ ds: 'logs', i: 0 });
    expect((await documents('logs').list('todos')).every((d) => (d.value as { ds: string }).ds === 'logs')).toBe(true);
    expect((await oplog('primary').entriesAfter(null)).every((e) => e.datasetId === 'primary')).toBe(true);
    expect((await oplog('logs').entriesByAuthorAfter('alice', null)).map((e) => e.hash)).toEqual(l.map((e) => e.hash));
    expect(await oplog('primary').getByHash(l[0]!.hash)).toBeUndefined();
    expect((await oplog('logs').head('alice'))?.hash).toBe(l[5]!.hash);
    expect(await chainRange(oplog('primary'), l[0]!.hash, l[3]!.hash)).toBeUndefined();
    await documents('logs').delete('todos', 'k1');
    expect(await documents('primary').get('todos', 'k1')).toBeDefined();
  });

  it('prunes one dataset without touching the other', async () => {
    const { oplog } = byDataset(ctx.adapter());
    await seedBoth();
    await oplog('logs').prune(hlc(1_000_000, 'zzz'));
    expect(await oplog('logs').count()).toBe(0);
    expect(await oplog('primary').count()).toBe(6);
    expect(await oplog('primary').boundaries()).toEqual([]);
  });

  it('exports and imports one dataset without touching the other', async () => {
    const { snapshots } = byDataset(ctx.adapter());
    await seedBoth();
    const primaryBefore = await snapshots('primary').export();
    const logs = await snapshots('logs').export();
    expect(logs.documents.every((d) => (d.value as { ds: string }).ds === 'logs')).toBe(true);
    await snapshots('logs').import({ ...logs, documents: [], oplog: [], heads: [], boundaries: [] }, { mode: 'replace' });
    await snapshots('logs').import(logs, { mode: 'merge' });
    const primaryAfter = await snapshots('primary').export();
    expect({ ...primaryAfter, createdAt: 0 }).toEqual({ ...primaryBefore, createdAt: 0 });
    await expect(snapshots('primary').import(logs, { mode: 'merge' })).rejects.toMatchObject({ code: 'dataset_mismatch' });
  });

  it('keeps peers, confirmations and checkpoints apart', async () => {
    const { confirmations, checkpoints } = byDataset(ctx.adapter());
    await confirmations('logs').registerPeer('hub');
    await confirmations('logs').confirm('hub', 'alice', hlc(5, 'alice'), 'a'.repeat(64));
    await checkpoints('logs').set('sink', 1);
    expect(await confirmations('primary').listPeers()).toEqual([]);
    expect(await confirmations('primary').confirmations()).toEqual([]);
    expect(await checkpoints('primary').get('sink')).toBeUndefined();
  });
}
