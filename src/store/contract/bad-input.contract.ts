import { expect, it } from 'vitest';
import { documentsFor, hlc, makeChain } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';

export function badInputContract(ctx: SuiteContext): void {
  it('rejects invalid dataset ids on every port with invalid_dataset_id', async () => {
    const a = ctx.adapter();
    const calls: (() => Promise<unknown>)[] = [
      () => a.documents.get('Bad Id', 'todos', 'k'),
      () => a.documents.list('', 'todos'),
      () => a.documents.applyBatch('../etc', { documents: [], entries: [] }),
      () => a.oplog.heads('x'.repeat(100)),
      () => a.oplog.prune('DROP TABLE', hlc(1, 'n')),
      () => a.confirmations.listPeers('a b'),
      () => a.checkpoints.get('1abc', 'n'),
      () => a.snapshots.export('logs/2'),
    ];
    for (const call of calls) await expect(call()).rejects.toMatchObject({ code: 'invalid_dataset_id' });
  });

  it('rejects bad keys and collection names', async () => {
    const { documents } = ctx.adapter();
    const base = { value: 1, hlc: hlc(1, 'n1'), deleted: false };
    await expect(documents.put('primary', { ...base, collection: 'todos', key: '' })).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(documents.put('primary', { ...base, collection: 'todos', key: 'a\u0000b' })).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(documents.put('primary', { ...base, collection: 'todos', key: '\ud800' })).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(documents.put('primary', { ...base, collection: 'todos', key: 'x'.repeat(513) })).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(documents.put('primary', { ...base, collection: 'my todos', key: 'a' })).rejects.toMatchObject({ code: 'invalid_collection' });
    await expect(documents.get('primary', 'todos', 42 as unknown as string)).rejects.toMatchObject({ code: 'invalid_key' });
  });

  it('rejects non-JSON values and writes nothing of a batch that holds one', async () => {
    const { documents, oplog } = ctx.adapter();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [Number.NaN, () => 1, cyclic, new Date(0), { x: undefined }, 10n]) {
      await expect(documents.put('primary', { collection: 'todos', key: 'k', value: value as never, hlc: hlc(1, 'n1'), deleted: false })).rejects.toMatchObject({ code: 'invalid_payload' });
    }
    const entries = makeChain('alice', 3);
    const docs = documentsFor(entries);
    const bad = [...docs, { collection: 'todos', key: 'bad', value: Number.POSITIVE_INFINITY, hlc: hlc(1, 'n1'), deleted: false }];
    await expect(documents.applyBatch('primary', { documents: bad, entries })).rejects.toMatchObject({ code: 'invalid_payload' });
    expect(await oplog.count('primary')).toBe(0);
    expect(await documents.list('primary', 'todos')).toEqual([]);
  });

  it('rejects malformed entries and entries of another dataset without partial writes', async () => {
    const { documents, oplog } = ctx.adapter();
    const good = makeChain('alice', 2);
    const tampered = { ...good[1]!, hash: 'zz' };
    await expect(oplog.append('primary', [good[0]!, tampered])).rejects.toMatchObject({ code: 'invalid_entry' });
    const foreign = makeChain('bob', 1, { datasetId: 'logs' });
    await expect(documents.applyBatch('primary', { documents: [], entries: [...good, ...foreign] })).rejects.toMatchObject({ code: 'dataset_mismatch' });
    await expect(oplog.append('primary', [{ ...good[0]!, op: 'upsert' as never }])).rejects.toMatchObject({ code: 'invalid_entry' });
    await expect(oplog.append('primary', [{ ...good[0]!, hlc: { wall: -1, logic: 0, nodeId: 'alice' } }])).rejects.toMatchObject({ code: 'invalid_timestamp' });
    expect(await oplog.count('primary')).toBe(0);
  });

  it('enforces the configured payload limit on documents and entries', async () => {
    const small = await ctx.withLimit(1024);
    const big = { pad: 'x'.repeat(2_000) };
    await expect(small.documents.put('primary', { collection: 'todos', key: 'k', value: big, hlc: hlc(1, 'n1'), deleted: false })).rejects.toMatchObject({ code: 'payload_too_large' });
    const entries = makeChain('alice', 2, { values: (i) => (i === 1 ? big : { ok: true }) });
    await expect(small.documents.applyBatch('primary', { documents: [], entries })).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(await small.oplog.count('primary')).toBe(0);
    await small.documents.put('primary', { collection: 'todos', key: 'k', value: { pad: 'x'.repeat(500) }, hlc: hlc(1, 'n1'), deleted: false });
  });

  it('fails every call on a closed store with store_closed', async () => {
    const a = ctx.adapter();
    await a.documents.put('primary', { collection: 'todos', key: 'k', value: 1, hlc: hlc(1, 'n1'), deleted: false });
    await a.close();
    await expect(a.documents.get('primary', 'todos', 'k')).rejects.toMatchObject({ code: 'store_closed' });
    await expect(a.oplog.append('primary', makeChain('alice', 1))).rejects.toMatchObject({ code: 'store_closed' });
    await expect(a.checkpoints.set('primary', 'x', 1)).rejects.toMatchObject({ code: 'store_closed' });
    await expect(a.snapshots.export('primary')).rejects.toMatchObject({ code: 'store_closed' });
    await expect(a.confirmations.listPeers('primary')).rejects.toMatchObject({ code: 'store_closed' });
  });
}
