import { describe, expect, it } from 'vitest';
import { runStorageContractTests } from '../../../src/store/contract/index.ts';
import { documentsFor, makeChain } from '../../../src/store/contract/fixtures.ts';
import type { StorageAdapter } from '../../../src/store/storage-adapter.ts';
import { databaseNames, deleteAllDatabases, fakeIndexedDB } from './fixtures/fake-indexeddb.ts';
import { dexieStorage, type DexieLayout } from './index.ts';

for (const layout of ['database-per-dataset', 'single-database'] as const satisfies readonly DexieLayout[]) {
  runStorageContractTests(
    async ({ hooks, maxPayloadBytes }) => {
      const idb = fakeIndexedDB();
      const open = () => dexieStorage({ name: 'sluice-contract', layout, ...idb, hooks, maxPayloadBytes });
      let adapter: StorageAdapter = open();
      return {
        get adapter() {
          return adapter;
        },
        reopen: async () => {
          await adapter.close();
          adapter = open();
          return adapter;
        },
        destroy: () => deleteAllDatabases(idb.indexedDB),
      };
    },
    `dexie (${layout})`,
    { durable: true },
  );
}

describe('dexie layouts', () => {
  async function writeBoth(layout: DexieLayout) {
    const idb = fakeIndexedDB();
    const adapter = dexieStorage({ name: 'app', layout, ...idb });
    const p = makeChain('alice', 3);
    const l = makeChain('alice', 2, { datasetId: 'logs' });
    await adapter.open('primary').documents.applyBatch({ documents: documentsFor(p), entries: p });
    await adapter.open('logs').documents.applyBatch({ documents: documentsFor(l), entries: l });
    return { idb, adapter, p, l };
  }

  it('database-per-dataset keeps primary in "app" and logs in "app.logs"', async () => {
    const { idb, adapter, l } = await writeBoth('database-per-dataset');
    await adapter.close();
    expect(await databaseNames(idb.indexedDB)).toEqual(['app', 'app.logs']);

    // "app" alone (single-database layout over the same databases) holds no logs rows.
    const primaryOnly = dexieStorage({ name: 'app', layout: 'single-database', ...idb });
    expect(await primaryOnly.open('primary').oplog.count()).toBe(3);
    expect(await primaryOnly.open('logs').oplog.count()).toBe(0);
    await primaryOnly.close();

    // "app.logs" read as a database of its own holds the logs rows.
    const logsDb = dexieStorage({ name: 'app.logs', layout: 'single-database', ...idb });
    expect((await logsDb.open('logs').oplog.entriesAfter(null)).map((e) => e.hash)).toEqual(l.map((e) => e.hash));
    expect(await logsDb.open('primary').oplog.count()).toBe(0);
    await logsDb.close();
  });

  it('single-database keeps every dataset in "app"', async () => {
    const { idb, adapter } = await writeBoth('single-database');
    expect(await adapter.open('logs').oplog.count()).toBe(2);
    await adapter.close();
    expect(await databaseNames(idb.indexedDB)).toEqual(['app']);
  });

  it('opens nothing until a dataset is used', async () => {
    const idb = fakeIndexedDB();
    const adapter = dexieStorage({ name: 'app', ...idb });
    expect(await databaseNames(idb.indexedDB)).toEqual([]);
    await adapter.open('logs').checkpoints.set('c', 1);
    expect(await databaseNames(idb.indexedDB)).toEqual(['app.logs']);
    await adapter.close();
  });

  it('rejects bad options with invalid_options', () => {
    expect(() => dexieStorage({ name: '' })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => dexieStorage({ name: 'app', layout: 'one-per-tab' as DexieLayout })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => dexieStorage({ name: 'app', maxPayloadBytes: 0 })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => dexieStorage({ name: 'app', durability: 'fast' as never })).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: 'durability' } }));
  });

  it('is strict unless told otherwise, and a worker reopening it from its description gets the same', () => {
    expect(dexieStorage({ name: 'app' }).describe!()).toMatchObject({ durability: 'strict' });
    const relaxed = dexieStorage({ name: 'app', durability: 'relaxed' }).describe!();
    expect(dexieStorage(relaxed as never).describe!()).toMatchObject({ durability: 'relaxed' });
  });
});
