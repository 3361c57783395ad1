import { describe, expect, it } from 'vitest';
import { documentsFor, hlc, makeChain } from '../../../src/store/contract/fixtures.ts';
import type { StorageAdapter } from '../../../src/store/storage-adapter.ts';
import { fakeIndexedDB } from './fixtures/fake-indexeddb.ts';
import { dexieStorage } from './index.ts';

/*
 * Every write method calls the commit hook inside its transaction, and nothing it wrote survives
 * a throw there. The snapshot imports with nothing but heads or boundaries are the cases where
 * several awaits pass without a database call: writes after them must still join the transaction.
 */

const chain = makeChain('alice', 6, { startWall: 100 });
const later = makeChain('alice', 2, { startWall: 500, prevHash: chain[5]!.hash, keys: (i) => `later${i}` });
const bob = makeChain('bob', 2, { startWall: 300 });
const head = (e = bob[1]!) => ({ nodeId: e.hlc.nodeId, hlc: e.hlc, hash: e.hash });
const emptySnapshot = { format: 'sluice-snapshot/1', datasetId: 'primary', createdAt: 1, documents: [], oplog: [], heads: [], boundaries: [] };

const writes: [string, (s: StorageAdapter) => Promise<unknown>][] = [
  ['documents.put', (s) => s.open('primary').documents.put({ collection: 'todos', key: 'new', value: 1, hlc: hlc(900, 'n1'), deleted: false })],
  ['documents.delete', (s) => s.open('primary').documents.delete('todos', 'k0')],
  ['documents.applyBatch', (s) => s.open('primary').documents.applyBatch({ documents: documentsFor(later), entries: later })],
  ['documents.applyBatch (empty)', (s) => s.open('primary').documents.applyBatch({ documents: [], entries: [] })],
  ['oplog.append', (s) => s.open('primary').oplog.append([...later, ...bob])],
  ['oplog.prune', (s) => s.open('primary').oplog.prune(hlc(103, 'zzz'))],
  ['confirmations.registerPeer', (s) => s.open('primary').confirmations.registerPeer('edge', { address: 'x' })],
  ['confirmations.setPeerActive', (s) => s.open('primary').confirmations.setPeerActive('hub', false)],
  ['confirmations.removePeer', (s) => s.open('primary').confirmations.removePeer('hub')],
  ['confirmations.confirm', (s) => s.open('primary').confirmations.confirm('hub', 'alice', hlc(200, 'alice'), 'b'.repeat(64))],
  ['checkpoints.set', (s) => s.open('primary').checkpoints.set('sink', { barrier: 2 })],
  ['checkpoints.delete', (s) => s.open('primary').checkpoints.delete('sink')],
  ['snapshots.import (merge, boundaries only)', (s) => s.open('primary').snapshots.import({ ...emptySnapshot, boundaries: [head()] }, { mode: 'merge' })],
  ['snapshots.import (merge, heads only)', (s) => s.open('primary').snapshots.import({ ...emptySnapshot, heads: [head()] }, { mode: 'merge' })],
  ['snapshots.import (replace)', (s) => s.open('primary').snapshots.import(emptySnapshot, { mode: 'replace' })],
];

async function state(s: StorageAdapter) {
  return {
    snapshot: { ...(await s.open('primary').snapshots.export()), createdAt: 0 },
    peers: await s.open('primary').confirmations.listPeers(),
    confirmations: await s.open('primary').confirmations.confirmations(),
    checkpoints: await s.open('primary').checkpoints.list(),
  };
}

describe('dexie write atomicity', () => {
  it.each(writes)('%s rolls back everything when the commit hook throws', async (_name, write) => {
    let failing = false;
    const storage = dexieStorage({
      name: 'atomic',
      ...fakeIndexedDB(),
      hooks: {
        beforeCommit(operation) {
          if (failing) throw new Error(`injected failure in ${operation}`);
        },
      },
    });
    await storage.open('primary').documents.applyBatch({ documents: documentsFor(chain), entries: chain });
    await storage.open('primary').confirmations.registerPeer('hub');
    await storage.open('primary').confirmations.confirm('hub', 'alice', hlc(100, 'alice'), 'a'.repeat(64));
    await storage.open('primary').checkpoints.set('sink', { barrier: 1 });
    const before = await state(storage);

    failing = true;
    await expect(write(storage)).rejects.toThrow(/injected failure/);
    failing = false;
    expect(await state(storage)).toEqual(before);

    await expect(write(storage)).resolves.not.toThrow();
    await storage.close();
  });
});
