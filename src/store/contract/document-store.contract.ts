import { expect, it } from 'vitest';
import { createEntry } from '../../core/oplog-entry.ts';
import { byDataset, documentsFor, hlc, plain, makeChain } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';

export function documentStoreContract(ctx: SuiteContext): void {
  it('puts, gets and lists documents by collection in key order', async () => {
    const { documents } = byDataset(ctx.adapter());
    await documents('primary').put({ collection: 'todos', key: 'b', value: { title: 'B' }, hlc: hlc(2, 'n1'), deleted: false });
    await documents('primary').put({ collection: 'todos', key: 'a', value: { title: 'A', tags: ['x'] }, hlc: hlc(1, 'n1'), deleted: false });
    await documents('primary').put({ collection: 'notes', key: 'a', value: 'note', hlc: hlc(3, 'n1'), deleted: false });

    expect(plain(await documents('primary').get('todos', 'a'))).toEqual({
      collection: 'todos', key: 'a', value: { title: 'A', tags: ['x'] }, hlc: hlc(1, 'n1'), deleted: false, meta: null,
    });
    expect(await documents('primary').get('todos', 'zzz')).toBeUndefined();
    expect((await documents('primary').list('todos')).map((d) => d.key)).toEqual(['a', 'b']);
    expect((await documents('primary').list('notes')).map((d) => d.value)).toEqual(['note']);
  });

  it('keeps tombstones out of list unless asked, and delete forgets a document entirely', async () => {
    const { documents } = byDataset(ctx.adapter());
    await documents('primary').put({ collection: 'todos', key: 'a', value: { v: 1 }, hlc: hlc(1, 'n1'), deleted: false });
    await documents('primary').put({ collection: 'todos', key: 'b', value: null, hlc: hlc(2, 'n1'), deleted: true });
    expect((await documents('primary').list('todos')).map((d) => d.key)).toEqual(['a']);
    expect((await documents('primary').list('todos', { includeDeleted: true })).map((d) => [d.key, d.deleted])).toEqual([['a', false], ['b', true]]);
    expect(await documents('primary').delete('todos', 'b')).toBe(true);
    expect(await documents('primary').delete('todos', 'b')).toBe(false);
    expect(await documents('primary').get('todos', 'b')).toBeUndefined();
  });

  it('pages through list with afterKey and limit', async () => {
    const { documents } = byDataset(ctx.adapter());
    for (const key of ['a', 'b', 'c', 'd', 'e']) {
      await documents('primary').put({ collection: 'todos', key, value: key, hlc: hlc(1, 'n1'), deleted: false });
    }
    expect((await documents('primary').list('todos', { limit: 2 })).map((d) => d.key)).toEqual(['a', 'b']);
    expect((await documents('primary').list('todos', { afterKey: 'b', limit: 2 })).map((d) => d.key)).toEqual(['c', 'd']);
  });

  it('getMany returns one slot per ref, in order', async () => {
    const { documents } = byDataset(ctx.adapter());
    await documents('primary').put({ collection: 'todos', key: 'a', value: 1, hlc: hlc(1, 'n1'), deleted: false });
    await documents('primary').put({ collection: 'todos', key: 'c', value: 3, hlc: hlc(1, 'n1'), deleted: false });
    const found = await documents('primary').getMany([
      { collection: 'todos', key: 'c' },
      { collection: 'todos', key: 'b' },
      { collection: 'todos', key: 'a' },
    ]);
    expect(found.map((d) => d?.value)).toEqual([3, undefined, 1]);
  });

  it('getMany finds every key of a large mixed request, odd keys and repeats included', async () => {
    const { documents } = byDataset(ctx.adapter());
    // Keys that an encoding step could bend: escapes, quotes, control and astral characters, lookalikes.
    const odd = ['"quoted"', 'back\\slash', 'tab\tnew\nline', '\u0001ctl', '👋 wave', 'ключ', 'Key', 'key', ' key', '[1]', '%', '_'];
    const keys = [...odd, ...Array.from({ length: 1_200 }, (_, i) => `k${i}`)];
    await documents('primary').applyBatch({
      documents: keys.filter((_, i) => i % 3 !== 1).map((key, i) => ({ collection: i % 2 ? 'notes' : 'todos', key, value: key, hlc: hlc(1, 'n1'), deleted: false })),
      entries: [],
    });
    const stored = new Map(keys.filter((_, i) => i % 3 !== 1).map((key, i) => [key, i % 2 ? 'notes' : 'todos']));
    const refs = [...keys, ...odd].flatMap((key) => [{ collection: 'todos', key }, { collection: 'notes', key }]);
    const found = await documents('primary').getMany(refs);
    expect(found).toHaveLength(refs.length);
    refs.forEach((ref, i) => {
      expect(found[i]?.value).toBe(stored.get(ref.key) === ref.collection ? ref.key : undefined);
      if (found[i]) expect([found[i]!.collection, found[i]!.key]).toEqual([ref.collection, ref.key]);
    });
  });

  it('round-trips resolver metadata and unicode', async () => {
    const { documents } = byDataset(ctx.adapter());
    const value = { title: 'Grüße 👋', nested: { list: [1, 'two', null, true], empty: {} } };
    await documents('primary').put({ collection: 'todos', key: 'ключ/1', value, hlc: hlc(5, 'n1', 3), deleted: false, meta: { t: { s: [1, 'x'] }, d: '' } });
    const got = await documents('primary').get('todos', 'ключ/1');
    expect(got?.value).toEqual(value);
    expect(got?.meta).toEqual({ t: { s: [1, 'x'] }, d: '' });
    expect(got?.hlc).toEqual(hlc(5, 'n1', 3));
  });

  it('applyBatch writes documents, oplog and vector clock together', async () => {
    const { documents, oplog } = byDataset(ctx.adapter());
    const entries = [...makeChain('alice', 5), ...makeChain('bob', 3, { keys: (i) => `b${i}` })];
    const result = await documents('primary').applyBatch({ documents: documentsFor(entries), entries });
    expect(result).toEqual({ documentsWritten: 8, entriesInserted: 8 });
    expect(await oplog('primary').count()).toBe(8);
    expect((await documents('primary').get('todos', 'k4'))?.value).toEqual({ n: 4, by: 'alice' });
    const heads = await oplog('primary').heads();
    expect(heads.map((h) => [h.nodeId, h.hash])).toEqual([
      ['alice', entries[4]!.hash],
      ['bob', entries[7]!.hash],
    ]);
  });

  it('applyBatch is idempotent: re-applying inserts no entry twice', async () => {
    const { documents, oplog } = byDataset(ctx.adapter());
    const entries = makeChain('alice', 4);
    await documents('primary').applyBatch({ documents: documentsFor(entries), entries });
    const again = await documents('primary').applyBatch({ documents: documentsFor(entries), entries });
    expect(again.entriesInserted).toBe(0);
    expect(await oplog('primary').count()).toBe(4);
    expect((await oplog('primary').head('alice'))?.hash).toBe(entries[3]!.hash);
  });

  it('applyBatch never moves a head backwards when older entries arrive late', async () => {
    const { documents, oplog } = byDataset(ctx.adapter());
    const chain = makeChain('alice', 6);
    await documents('primary').applyBatch({ documents: [], entries: chain.slice(3) });
    await documents('primary').applyBatch({ documents: [], entries: chain.slice(0, 3) });
    expect((await oplog('primary').head('alice'))?.hash).toBe(chain[5]!.hash);
  });

  it('applyBatch rolls back everything when the transaction fails before commit', async () => {
    const { documents, oplog } = byDataset(ctx.adapter());
    const first = makeChain('alice', 2);
    await documents('primary').applyBatch({ documents: documentsFor(first), entries: first });
    const more = makeChain('alice', 3, { startWall: 5_000, prevHash: first[1]!.hash, keys: (i) => `m${i}` });
    ctx.failNextCommit();
    await expect(documents('primary').applyBatch({ documents: documentsFor(more), entries: more })).rejects.toThrow();
    expect(await oplog('primary').count()).toBe(2);
    expect(await documents('primary').get('todos', 'm0')).toBeUndefined();
    expect((await oplog('primary').head('alice'))?.hash).toBe(first[1]!.hash);
    // and the store still works afterwards
    await documents('primary').applyBatch({ documents: documentsFor(more), entries: more });
    expect(await oplog('primary').count()).toBe(5);
  });

  it('stores a delete entry with its tombstone', async () => {
    const { documents, oplog } = byDataset(ctx.adapter());
    const put = makeChain('alice', 1)[0]!;
    const del = createEntry({ collection: 'todos', key: 'k0', op: 'delete', hlc: hlc(2_000, 'alice'), prevHash: put.hash });
    await documents('primary').applyBatch({ documents: documentsFor([put, del]), entries: [put, del] });
    const doc = await documents('primary').get('todos', 'k0');
    expect(doc).toMatchObject({ deleted: true, value: null, hlc: hlc(2_000, 'alice') });
    expect((await oplog('primary').getByHash(del.hash))?.payload).toBeNull();
  });
}
