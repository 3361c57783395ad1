import { expect, it } from 'vitest';
import { documentsFor, hlc, makeChain } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';

/** Durable adapters only: everything written is there after close and reopen. */
export function durabilityContract(ctx: SuiteContext): void {
  it('keeps every port\'s data across close and reopen', async () => {
    const instance = ctx.instance();
    if (!instance.reopen) throw new Error('durabilityContract needs reopen()');
    const a = ctx.adapter();
    const entries = [...makeChain('alice', 5), ...makeChain('bob', 2, { datasetId: 'logs' })];
    await a.documents.applyBatch('primary', { documents: documentsFor(entries.slice(0, 5)), entries: entries.slice(0, 5) });
    await a.documents.applyBatch('logs', { documents: documentsFor(entries.slice(5)), entries: entries.slice(5) });
    await a.oplog.prune('primary', entries[1]!.hlc);
    await a.confirmations.registerPeer('primary', 'hub');
    await a.confirmations.confirm('primary', 'hub', 'alice', hlc(3, 'alice'), 'a'.repeat(64));
    await a.checkpoints.set('primary', 'sink', { barrier: 7 });
    const before = { primary: await a.snapshots.export('primary'), logs: await a.snapshots.export('logs') };

    const b = await instance.reopen();
    expect({ ...(await b.snapshots.export('primary')), createdAt: 0 }).toEqual({ ...before.primary, createdAt: 0 });
    expect({ ...(await b.snapshots.export('logs')), createdAt: 0 }).toEqual({ ...before.logs, createdAt: 0 });
    expect((await b.confirmations.confirmations('primary')).map((c) => c.hlc.wall)).toEqual([3]);
    expect(await b.checkpoints.get('primary', 'sink')).toEqual({ barrier: 7 });
    await b.close();
  });
}
