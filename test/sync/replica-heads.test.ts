import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { HybridClock } from '../../src/core/hlc.ts';
import { ResolverRegistry } from '../../src/core/resolvers/registry.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';
import { DatasetReplica } from '../../src/sync/replica.ts';
import { signOwnHead, VOUCHED } from '../../src/sync/signatures.ts';

async function replica(nodeId: string, storage: StorageAdapter = memoryStorage()): Promise<DatasetReplica> {
  const r = new DatasetReplica({ datasetId: 'primary', storage, clock: new HybridClock(nodeId), resolvers: new ResolverRegistry() });
  await r.open();
  return r;
}

/** What the replica reports must always be what storage holds. */
async function expectHeadsAsStored(r: DatasetReplica, storage: StorageAdapter): Promise<void> {
  const stored = await storage.open('primary').oplog.heads();
  expect(await r.heads()).toEqual(stored);
  for (const h of stored) expect(await r.headOf(h.nodeId)).toEqual(h);
}

describe('the replica keeps every author head', () => {
  it('as storage holds them, through writes, remote applies, refused batches and snapshot imports', async () => {
    const storage = memoryStorage();
    const r = await replica('me', storage);
    const other = await replica('other');
    await r.write([{ collection: 'todos', key: 'a', op: 'put', value: { n: 1 } }]);
    await expectHeadsAsStored(r, storage);

    const theirs = await other.write([{ collection: 'todos', key: 'b', op: 'put', value: { n: 2 } }, { collection: 'todos', key: 'c', op: 'put', value: { n: 3 } }]);
    const signed = [theirs[0]!, await other.signer!.sign(theirs[1]!)];
    await r.applyRemote(signed, VOUCHED);
    await expectHeadsAsStored(r, storage);
    // Applying them again changes nothing.
    await r.applyRemote(signed, VOUCHED);
    await expectHeadsAsStored(r, storage);

    // A refused batch (broken signature) moves no head.
    const more = await other.write([{ collection: 'todos', key: 'd', op: 'put', value: { n: 4 } }]);
    await expect(r.applyRemote(more, VOUCHED)).rejects.toMatchObject({ code: 'bad_signature' });
    await expectHeadsAsStored(r, storage);

    // A snapshot import (replace) resets them to the snapshot's.
    await r.importSnapshot(await signOwnHead(await other.view.exportSnapshot(), other.signer), 'replace');
    await expectHeadsAsStored(r, storage);
    expect((await r.heads()).map((h) => h.nodeId)).toEqual(['other']);

    // A reopened replica reads them from storage.
    await expectHeadsAsStored(await replica('me', storage), storage);
  });

  it('reads storage every time when other processes write it too (sharedWriters)', async () => {
    const base = memoryStorage();
    const shared: StorageAdapter = Object.assign(Object.create(base) as StorageAdapter, { describe: () => ({ ...base.describe!(), sharedWriters: true }) });
    const reader = await replica('reader', shared);
    const cached = await replica('cached', base);
    const writer = await replica('writer', base);
    await writer.write([{ collection: 'todos', key: 'a', op: 'put', value: { n: 1 } }]);
    // Written behind their backs: the replica on a shared storage sees it, the caching one does not.
    expect(await reader.headOf('writer')).toEqual((await base.open('primary').oplog.heads())[0]);
    expect(await cached.headOf('writer')).toBeUndefined();
  });
});
