import { expect, it } from 'vitest';
import { byDataset, documentsFor, hlc, makeChain } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';

export function badInputContract(ctx: SuiteContext): void {
  it('refuses to open an invalid dataset id with invalid_dataset_id, and writes nothing', async () => {
    const a = ctx.adapter();
    for (const id of ['Bad Id', '', '../etc', 'x'.repeat(100), 'DROP TABLE', 'a b', '1abc', 'logs/', 'logs//2', 'Logs/2', 'logs/a b', '/logs', 42 as unknown as string]) {
      let refused: unknown;
      try {
        a.open(id);
      } catch (error) {
        refused = error;
      }
      expect(refused).toMatchObject({ code: 'invalid_dataset_id' });
    }
    expect(await a.open('primary').oplog.count()).toBe(0);
  });

  it('gives one store per dataset, bound to it', () => {
    const a = ctx.adapter();
    expect(a.open('primary')).toBe(a.open('primary'));
    expect(a.open('logs').datasetId).toBe('logs');
    expect(a.open('logs')).not.toBe(a.open('primary'));
  });

  it('rejects bad keys and collection names', async () => {
    const { documents } = byDataset(ctx.adapter());
    const base = { value: 1, hlc: hlc(1, 'n1'), deleted: false };
    await expect(documents('primary').put({ ...base, collection: 'todos', key: '' })).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(documents('primary').put({ ...base, collection: 'todos', key: 'a\u0000b' })).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(documents('primary').put({ ...base, collection: 'todos', key: '\ud800' })).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(documents('primary').put({ ...base, collection: 'todos', key: 'x'.repeat(513) })).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(documents('primary').put({ ...base, collection: 'my todos', key: 'a' })).rejects.toMatchObject({ code: 'invalid_collection' });
    await expect(documents('primary').get('todos', 42 as unknown as string)).rejects.toMatchObject({ code: 'invalid_key' });
  });

  it('rejects non-JSON values and writes nothing of a batch that holds one', async () => {
    const { documents, oplog } = byDataset(ctx.adapter());
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [Number.NaN, () => 1, cyclic, new Date(0), { x: undefined }, 10n]) {
      await expect(documents('primary').put({ collection: 'todos', key: 'k', value: value as never, hlc: hlc(1, 'n1'), deleted: false })).rejects.toMatchObject({ code: 'invalid_payload' });
    }
    const entries = makeChain('alice', 3);
    const docs = documentsFor(entries);
    const bad = [...docs, { collection: 'todos', key: 'bad', value: Number.POSITIVE_INFINITY, hlc: hlc(1, 'n1'), deleted: false }];
    await expect(documents('primary').applyBatch({ documents: bad, entries })).rejects.toMatchObject({ code: 'invalid_payload' });
    expect(await oplog('primary').count()).toBe(0);
    expect(await documents('primary').list('todos')).toEqual([]);
  });

  it('rejects malformed entries and entries of another dataset without partial writes', async () => {
    const { documents, oplog } = byDataset(ctx.adapter());
    const good = makeChain('alice', 2);
    const tampered = { ...good[1]!, hash: 'zz' };
    await expect(oplog('primary').append([good[0]!, tampered])).rejects.toMatchObject({ code: 'invalid_entry' });
    const foreign = makeChain('bob', 1, { datasetId: 'logs' });
    await expect(documents('primary').applyBatch({ documents: [], entries: [...good, ...foreign] })).rejects.toMatchObject({ code: 'dataset_mismatch' });
    await expect(oplog('primary').append([{ ...good[0]!, op: 'upsert' as never }])).rejects.toMatchObject({ code: 'invalid_entry' });
    await expect(oplog('primary').append([{ ...good[0]!, hlc: { wall: -1, logic: 0, nodeId: 'alice' } }])).rejects.toMatchObject({ code: 'invalid_timestamp' });
    expect(await oplog('primary').count()).toBe(0);
  });

  it('enforces the configured payload limit on documents and entries', async () => {
    const small = await ctx.withLimit(1024);
    const big = { pad: 'x'.repeat(2_000) };
    await expect(small.open('primary').documents.put({ collection: 'todos', key: 'k', value: big, hlc: hlc(1, 'n1'), deleted: false })).rejects.toMatchObject({ code: 'payload_too_large' });
    const entries = makeChain('alice', 2, { values: (i) => (i === 1 ? big : { ok: true }) });
    await expect(small.open('primary').documents.applyBatch({ documents: [], entries })).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(await small.open('primary').oplog.count()).toBe(0);
    await small.open('primary').documents.put({ collection: 'todos', key: 'k', value: { pad: 'x'.repeat(500) }, hlc: hlc(1, 'n1'), deleted: false });
  });

  it('fails every call on a closed store with store_closed', async () => {
    const a = ctx.adapter();
    await a.open('primary').documents.put({ collection: 'todos', key: 'k', value: 1, hlc: hlc(1, 'n1'), deleted: false });
    await a.close();
    await expect(a.open('primary').documents.get('todos', 'k')).rejects.toMatchObject({ code: 'store_closed' });
    await expect(a.open('primary').oplog.append(makeChain('alice', 1))).rejects.toMatchObject({ code: 'store_closed' });
    await expect(a.open('primary').checkpoints.set('x', 1)).rejects.toMatchObject({ code: 'store_closed' });
    await expect(a.open('primary').snapshots.export()).rejects.toMatchObject({ code: 'store_closed' });
    await expect(a.open('primary').confirmations.listPeers()).rejects.toMatchObject({ code: 'store_closed' });
  });
}
