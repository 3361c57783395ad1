import { describe, expect, it } from 'vitest';
import { createEntry, verifyEntryHash } from '../../../src/core/oplog-entry.ts';
import { documentsFor, makeChain } from '../../../src/store/contract/fixtures.ts';
import { fakeIndexedDB, inspectDatabase } from './fixtures/fake-indexeddb.ts';
import { writeLegacyV1Database } from './fixtures/legacy-v1.ts';
import { dexieStorage, type DexieLayout } from './index.ts';
import { SCHEMA_VERSION, TABLES } from './schema.ts';
import { chainRange } from '../../../src/store/chain-range.ts';

describe.each(['database-per-dataset', 'single-database'] as DexieLayout[])('a single-dataset database upgraded in place (%s)', (layout) => {
  it('reads every legacy row back under primary, nothing under logs, and takes new writes', async () => {
    const idb = fakeIndexedDB();
    const { alice, bob, registeredAt } = await writeLegacyV1Database('app', idb);
    const storage = dexieStorage({ name: 'app', layout, ...idb });

    // documents
    expect(await storage.open('primary').documents.get('todos', 'a')).toEqual({
      collection: 'todos', key: 'a', value: { n: 3, by: 'alice' }, hlc: alice[3]!.hlc, deleted: false, meta: null,
    });
    expect((await storage.open('primary').documents.list('todos', { includeDeleted: true })).map((d) => [d.key, d.deleted, d.meta])).toEqual([
      ['a', false, null],
      ['b', true, { t: 1 }],
    ]);
    expect((await storage.open('primary').documents.list('notes')).map((d) => d.value)).toEqual(['note']);

    // oplog: the hashes still verify, so the restored dataset id is the one they were made with
    const entries = await storage.open('primary').oplog.entriesAfter(null);
    expect(entries.map((e) => e.hash)).toEqual([...alice.slice(1), ...bob].map((e) => e.hash));
    expect(entries.every((e) => e.datasetId === 'primary' && verifyEntryHash(e))).toBe(true);
    expect(await storage.open('primary').oplog.getByHash(bob[1]!.hash)).toEqual(bob[1]);
    expect(await storage.open('primary').oplog.heads()).toEqual([
      { nodeId: 'alice', hlc: alice[3]!.hlc, hash: alice[3]!.hash },
      { nodeId: 'bob', hlc: bob[1]!.hlc, hash: bob[1]!.hash },
    ]);
    expect(await storage.open('primary').oplog.boundaries()).toEqual([{ nodeId: 'alice', hlc: alice[0]!.hlc, hash: alice[0]!.hash }]);
    expect((await chainRange(storage.open('primary').oplog, alice[0]!.hash, alice[3]!.hash))?.map((e) => e.hash)).toEqual(alice.slice(1).map((e) => e.hash));
    expect(await chainRange(storage.open('primary').oplog, '', alice[3]!.hash)).toBeUndefined();

    // peers, confirmations, checkpoints
    expect(await storage.open('primary').confirmations.listPeers()).toEqual([{ peerId: 'hub', address: 'ws://127.0.0.1:8787', active: true, registeredAt }]);
    expect(await storage.open('primary').confirmations.confirmations()).toEqual([
      { peerId: 'hub', authorId: 'alice', hlc: alice[2]!.hlc, hash: alice[2]!.hash, confirmedAt: registeredAt },
    ]);
    expect(await storage.open('primary').checkpoints.list()).toEqual([{ name: 'sink:index', value: { barrier: 7 } }]);

    // nothing leaked into another dataset
    expect(await storage.open('logs').documents.list('todos', { includeDeleted: true })).toEqual([]);
    expect(await storage.open('logs').oplog.count()).toBe(0);
    expect(await storage.open('logs').oplog.heads()).toEqual([]);
    expect(await storage.open('logs').oplog.boundaries()).toEqual([]);
    expect(await storage.open('logs').confirmations.listPeers()).toEqual([]);
    expect(await storage.open('logs').checkpoints.list()).toEqual([]);

    // new writes continue the legacy chain, and other datasets start empty
    const next = createEntry({ collection: 'todos', key: 'a', op: 'put', value: { n: 4 }, hlc: { wall: 5_000, logic: 0, nodeId: 'alice' }, prevHash: alice[3]!.hash });
    expect(await storage.open('primary').documents.applyBatch({ documents: documentsFor([next]), entries: [next] })).toEqual({ documentsWritten: 1, entriesInserted: 1 });
    expect((await storage.open('primary').oplog.head('alice'))?.hash).toBe(next.hash);
    expect((await storage.open('primary').documents.get('todos', 'a'))?.value).toEqual({ n: 4 });
    const logs = makeChain('carol', 2, { datasetId: 'logs' });
    await storage.open('logs').documents.applyBatch({ documents: documentsFor(logs), entries: logs });
    expect(await storage.open('logs').oplog.count()).toBe(2);
    expect(await storage.open('primary').oplog.count()).toBe(6);
    await storage.close();

    // the legacy tables are gone, and a second open copies nothing again
    expect(await inspectDatabase(idb.indexedDB, 'app')).toEqual({ version: SCHEMA_VERSION * 10, stores: Object.values(TABLES).sort() });
    const reopened = dexieStorage({ name: 'app', layout, ...idb });
    expect(await reopened.open('primary').oplog.count()).toBe(6);
    expect((await reopened.open('primary').documents.list('todos', { includeDeleted: true })).map((d) => d.key)).toEqual(['a', 'b']);
    await reopened.close();
  });
});
