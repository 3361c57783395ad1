import { expect, it } from 'vitest';
import { documentsFor, hlc, makeChain } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';
import { chainRange } from '../chain-range.ts';

/** The same collection and key in two datasets must stay apart for every read, prune, export and import. */
export function isolationContract(ctx: SuiteContext): void {
  async function seedBoth() {
    const { documents } = ctx.adapter();
    const p = makeChain('alice', 6, { datasetId: 'primary', values: (i) => ({ ds: 'primary', i }) });
    const l = makeChain('alice', 6, { datasetId: 'logs', values: (i) => ({ ds: 'logs', i }) });
    await documents.applyBatch('primary', { documents: documentsFor(p), entries: p });
    await documents.applyBatch('logs', { documents: documentsFor(l), entries: l });
    return { p, l };
  }

  it('keeps documents, oplog and heads apart', async () => {
    const { documents, oplog } = ctx.adapter();
    const { p, l } = await seedBoth();
    expect(p[0]!.hash).not.toBe(l[0]!.hash); // the dataset id is part of the hash
    expect((await documents.get('primary', 'todos', 'k0'))?.value).toEqual({ ds: 'primary', i: 0 });
    expect((await documents.get('logs', 'todos', 'k0'))?.value).toEqual({ ds: 'logs', i: 0 });
    expect((await documents.list('logs', 'todos')).every((d) => (d.value as { ds: string }).ds === 'logs')).toBe(true);
    expect((await oplog.entriesAfter('primary', null)).every((e) => e.datasetId === 'primary')).toBe(true);
    expect((await oplog.entriesByAuthorAfter('logs', 'alice', null)).map((e) => e.hash)).toEqual(l.map((e) => e.hash));
    expect(await oplog.getByHash('primary', l[0]!.hash)).toBeUndefined();
    expect((await oplog.head('logs', 'alice'))?.hash).toBe(l[5]!.hash);
    expect(await chainRange(oplog, 'primary', l[0]!.hash, l[3]!.hash)).toBeUndefined();
    await documents.delete('logs', 'todos', 'k1');
    expect(await documents.get('primary', 'todos', 'k1')).toBeDefined();
  });

  it('prunes one dataset without touching the other', async () => {
    const { oplog } = ctx.adapter();
    await seedBoth();
    await oplog.prune('logs', hlc(1_000_000, 'zzz'));
    expect(await oplog.count('logs')).toBe(0);
    expect(await oplog.count('primary')).toBe(6);
    expect(await oplog.boundaries('primary')).toEqual([]);
  });

  it('exports and imports one dataset without touching the other', async () => {
    const { snapshots } = ctx.adapter();
    await seedBoth();
    const primaryBefore = await snapshots.export('primary');
    const logs = await snapshots.export('logs');
    expect(logs.documents.every((d) => (d.value as { ds: string }).ds === 'logs')).toBe(true);
    await snapshots.import('logs', { ...logs, documents: [], oplog: [], heads: [], boundaries: [] }, { mode: 'replace' });
    await snapshots.import('logs', logs, { mode: 'merge' });
    const primaryAfter = await snapshots.export('primary');
    expect({ ...primaryAfter, createdAt: 0 }).toEqual({ ...primaryBefore, createdAt: 0 });
    await expect(snapshots.import('primary', logs, { mode: 'merge' })).rejects.toMatchObject({ code: 'dataset_mismatch' });
  });

  it('keeps peers, confirmations and checkpoints apart', async () => {
    const { confirmations, checkpoints } = ctx.adapter();
    await confirmations.registerPeer('logs', 'hub');
    await confirmations.confirm('logs', 'hub', 'alice', hlc(5, 'alice'), 'a'.repeat(64));
    await checkpoints.set('logs', 'sink', 1);
    expect(await confirmations.listPeers('primary')).toEqual([]);
    expect(await confirmations.confirmations('primary')).toEqual([]);
    expect(await checkpoints.get('primary', 'sink')).toBeUndefined();
  });
}
