import { expect, it } from 'vitest';
import type { StoredDocument } from '../../core/document.ts';
import type { CommitNotice, StorageAdapter } from '../storage-adapter.ts';
import { hlc, makeChain, plain } from './fixtures.ts';
import type { SuiteContext } from './suite-context.ts';
import { chainRange } from '../chain-range.ts';

/**
 * Adapters whose storage several processes write at once (`describe().sharedWriters`): two
 * adapter instances on the same data stand for two hubs.
 */
export function sharedWritersContract(ctx: SuiteContext): void {
  const second = async (): Promise<StorageAdapter> => {
    const open = ctx.instance().openAnother;
    if (!open) throw new Error('sharedWritersContract needs openAnother(): a second adapter on the same data');
    return open();
  };

  it('says so in its descriptor, and offers watchCommits', () => {
    const a = ctx.adapter();
    expect(a.describe?.()?.sharedWriters).toBe(true);
    expect(typeof a.open('primary').watchCommits).toBe('function');
  });

  it('resolves documents inside the transaction, against the stored rows', async () => {
    const a = ctx.adapter();
    await a.open('primary').documents.put({ collection: 'todos', key: 'x', value: { n: 1 }, hlc: hlc(5, 'n1'), deleted: false });
    let seen: (StoredDocument | undefined)[] = [];
    const result = await a.open('primary').documents.applyBatch({
      documents: [],
      entries: [],
      resolveDocuments: {
        refs: [{ collection: 'todos', key: 'x' }, { collection: 'todos', key: 'y' }],
        resolve: (stored) => {
          seen = [...stored];
          return [
            { ...stored[0]!, value: { n: 2 }, hlc: hlc(6, 'n1') },
            { collection: 'todos', key: 'y', value: 'new', hlc: hlc(6, 'n1'), deleted: false },
          ];
        },
      },
    });
    expect(seen.map(plain)).toEqual([plain({ collection: 'todos', key: 'x', value: { n: 1 }, hlc: hlc(5, 'n1'), deleted: false }), undefined]);
    expect(result.documentsWritten).toBe(2);
    expect((await a.open('primary').documents.get('todos', 'x'))?.value).toEqual({ n: 2 });
    expect((await a.open('primary').documents.get('todos', 'y'))?.value).toBe('new');
  });

  it('loses no update when two writers resolve the same documents at once', async () => {
    const a = ctx.adapter();
    const b = await second();
    await a.open('primary').documents.put({ collection: 'counters', key: 'c', value: 0, hlc: hlc(1, 'n1'), deleted: false });
    const increment = (adapter: StorageAdapter, i: number) =>
      adapter.open('primary').documents.applyBatch({
        documents: [],
        entries: [],
        resolveDocuments: {
          // Keys in a different order per writer: locking must not deadlock on it.
          refs: i % 2 ? [{ collection: 'counters', key: 'c' }, { collection: 'counters', key: 'd' }] : [{ collection: 'counters', key: 'd' }, { collection: 'counters', key: 'c' }],
          resolve: (stored) =>
            stored.map((doc, slot) => {
              const key = (i % 2 ? ['c', 'd'] : ['d', 'c'])[slot]!;
              const n = typeof doc?.value === 'number' ? doc.value : 0;
              return { collection: 'counters', key, value: n + 1, hlc: hlc(2 + i, 'n1'), deleted: false };
            }),
        },
      });
    await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 ? a : b, i)));
    expect((await a.open('primary').documents.get('counters', 'c'))?.value).toBe(20);
    expect((await b.open('primary').documents.get('counters', 'd'))?.value).toBe(20);
  });

  it('stores each entry once when writers apply the same and different entries at once, and heads only move forward', async () => {
    const a = ctx.adapter();
    const b = await second();
    const alice = makeChain('alice', 40);
    const bob = makeChain('bob', 40);
    await Promise.all([
      ...[0, 10, 20, 30].map((from) => a.open('primary').oplog.append(alice.slice(0, from + 10))),
      ...[0, 10, 20, 30].map((from) => b.open('primary').oplog.append(alice.slice(from, from + 10))),
      a.open('primary').oplog.append(bob.slice(0, 25)),
      b.open('primary').oplog.append(bob.slice(15)),
    ]);
    expect(await a.open('primary').oplog.count()).toBe(80);
    const heads = await b.open('primary').oplog.heads();
    expect(heads.map((h) => [h.nodeId, h.hash])).toEqual([
      ['alice', alice.at(-1)!.hash],
      ['bob', bob.at(-1)!.hash],
    ]);
    expect(await chainRange(a.open('primary').oplog, '', alice.at(-1)!.hash)).toHaveLength(40);
  });

  it("tells the other writers what each commit stored, and not the committer itself", async () => {
    const a = ctx.adapter();
    const b = await second();
    const heardByB: CommitNotice[] = [];
    const heardByA: CommitNotice[] = [];
    const stopB = await b.open('primary').watchCommits!((n) => heardByB.push(...n));
    const stopA = await a.open('primary').watchCommits!((n) => heardByA.push(...n));
    try {
      const chain = makeChain('alice', 3);
      await a.open('primary').documents.applyBatch({ documents: [], entries: chain });
      await a.open('primary').oplog.append(makeChain('bob', 1));
      await expect.poll(() => heardByB.length, { timeout: 5_000 }).toBe(2);
      expect(heardByB[0]).toEqual({ author: 'alice', first: chain[0]!.hlc, last: chain[2]!.hlc, lastHash: chain[2]!.hash, count: 3 });
      expect(heardByB[1]).toMatchObject({ author: 'bob', count: 1 });
      expect(heardByA).toEqual([]);
    } finally {
      await stopA();
      await stopB();
    }
  });
}
