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
    await a.open('primary').documents.applyBatch({ documents: documentsFor(entries.slice(0, 5)), entries: entries.slice(0, 5) });
    await a.open('logs').documents.applyBatch({ documents: documentsFor(entries.slice(5)), entries: entries.slice(5) });
    await a.open('primary').oplog.prune(entries[1]!.hlc);
    await a.open('primary').confirmations.registerPeer('hub');
    await a.open('primary').confirmations.confirm('hub', 'alice', hlc(3, 'alice'), 'a'.repeat(64));
    await a.open('primary').checkpoints.set('sink', { barrier: 7 });
    const before = { primary: await a.open('primary').snapshots.export(), logs: await a.open('logs').snapshots.export() };

    const b = await instance.reopen();
    expect({ ...(await b.open('primary').snapshots.export()), createdAt: 0 }).toEqual({ ...before.primary, createdAt: 0 });
    expect({ ...(await b.open('logs').snapshots.export()), createdAt: 0 }).toEqual({ ...before.logs, createdAt: 0 });
    expect((await b.open('primary').confirmations.confirmations()).map((c) => c.hlc.wall)).toEqual([3]);
    expect(await b.open('primary').checkpoints.get('sink')).toEqual({ barrier: 7 });
    await b.close();
  });
}
