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
  ['documents.put', (s) => s.documents.put('primary', { collection: 'todos', key: 'new', value: 1, hlc: hlc(900, 'n1'), deleted: false })],
  ['documents.delete', (s) => s.documents.delete('primary', 'todos', 'k0')],
  ['documents.applyBatch', (s) => s.documents.applyBatch('primary', { documents: documentsFor(later), entries: later })],
  ['documents.applyBatch (empty)', (s) => s.documents.applyBatch('primary', { documents: [], entries: [] })],
  ['oplog.append', (s) => s.oplog.append('primary', [...later, ...bob])],
  ['oplog.prune', (s) => s.oplog.prune('primary', hlc(103, 'zzz'))],
  ['confirmations.registerPeer', (s) => s.confirmations.registerPeer('primary', 'edge', { address: 'x' })],
  ['confirmations.setPeerActive', (s) => s.confirmations.setPeerActive('primary', 'hub', false)],
  ['confirmations.removePeer', (s) => s.confirmations.removePeer('primary', 'hub')],
  ['confirmations.confirm', (s) => s.confirmations.confirm('primary', 'hub', 'alice', hlc(200, 'alice'), 'b'.repeat(64))],
  ['checkpoints.set', (s) => s.checkpoints.set('primary', 'sink', { barrier: 2 })],
  ['checkpoints.delete', (s) => s.checkpoints.delete('primary', 'sink')],
  ['snapshots.import (merge, boundaries only)', (s) => s.snapshots.import('primary', { ...emptySnapshot, boundaries: [head()] }, { mode: 'merge' })],
  ['snapshots.import (merge, heads only)', (s) => s.snapshots.import('primary', { ...emptySnapshot, heads: [head()] }, { mode: 'merge' })],
  ['snapshots.import (replace)', (s) => s.snapshots.import('primary', emptySnapshot, { mode: 'replace' })],
];

async function state(s: StorageAdapter) {
  return {
    snapshot: { ...(await s.snapshots.export('primary')), createdAt: 0 },
    peers: await s.confirmations.listPeers('primary'),
    confirmations: await s.confirmations.confirmations('primary'),
    checkpoints: await s.checkpoints.list('primary'),
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
    await storage.documents.applyBatch('primary', { documents: documentsFor(chain), entries: chain });
    await storage.confirmations.registerPeer('primary', 'hub');
    await storage.confirmations.confirm('primary', 'hub', 'alice', hlc(100, 'alice'), 'a'.repeat(64));
    await storage.checkpoints.set('primary', 'sink', { barrier: 1 });
    const before = await state(storage);

    failing = true;
    await expect(write(storage)).rejects.toThrow(/injected failure/);
    failing = false;
    expect(await state(storage)).toEqual(before);

    await expect(write(storage)).resolves.not.toThrow();
    await storage.close();
  });
});
