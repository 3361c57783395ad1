import { Dexie } from 'dexie';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../../src/core/errors.ts';
import { storageFailure } from './databases.ts';
import { fakeIndexedDB } from './fixtures/fake-indexeddb.ts';
import { writeLegacyV1Database } from './fixtures/legacy-v1.ts';
import { dexieStorage } from './index.ts';
import { declareSchema, SCHEMA_VERSION } from './schema.ts';

describe('dexie open failures', () => {
  it('refuses a database written by a newer schema with storage_failure', async () => {
    const idb = fakeIndexedDB();
    const newer = new Dexie('app', idb);
    declareSchema(newer);
    newer.version(SCHEMA_VERSION + 1).stores({ somethingNew: 'id' });
    await newer.open();
    newer.close();

    const storage = dexieStorage({ name: 'app', ...idb });
    const failure = storage.open('primary').oplog.count();
    await expect(failure).rejects.toMatchObject({ code: 'storage_failure' });
    await expect(failure).rejects.toThrow(/newer version of the app/);
    // other datasets live in databases of their own and still work
    expect(await storage.open('logs').oplog.count()).toBe(0);
    await storage.close();
  });

  it('fails fast when an old connection blocks the upgrade, and retries on the next call', async () => {
    const idb = fakeIndexedDB();
    await writeLegacyV1Database('app', idb);
    // An older build's connection that ignores versionchange, so the upgrade cannot proceed.
    const stale = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = idb.indexedDB.open('app');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });

    const storage = dexieStorage({ name: 'app', ...idb });
    const failure = storage.open('primary').checkpoints.list();
    await expect(failure).rejects.toMatchObject({ code: 'storage_failure', details: { blocked: true } });
    await expect(failure).rejects.toThrow(/Close other tabs/);

    stale.close();
    expect(await storage.open('primary').checkpoints.list()).toEqual([{ name: 'sink:index', value: { barrier: 7 } }]);
    await storage.close();
  });
});

describe('dexie and other connections', () => {
  function openRaw(factory: IDBFactory, name: string, version?: number): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      const request = version === undefined ? factory.open(name) : factory.open(name, version);
      request.onupgradeneeded = () => request.result.createObjectStore('somethingNew');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  it('lets another tab upgrade, then refuses the newer schema instead of writing into it', async () => {
    const idb = fakeIndexedDB();
    const storage = dexieStorage({ name: 'app', ...idb });
    await storage.open('primary').checkpoints.set('c', 1);

    const newer = await openRaw(idb.indexedDB, 'app', (SCHEMA_VERSION + 1) * 10);
    newer.close();
    await expect(storage.open('primary').checkpoints.set('c', 2)).rejects.toThrow(/newer version of the app/);
    await storage.close();
  });

  it('lets another tab delete the database, and starts afresh on the next call', async () => {
    const idb = fakeIndexedDB();
    const storage = dexieStorage({ name: 'app', ...idb });
    await storage.open('primary').checkpoints.set('c', 1);

    await new Promise<void>((resolve, reject) => {
      const request = idb.indexedDB.deleteDatabase('app');
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
    expect(await storage.open('primary').checkpoints.list()).toEqual([]);
    await storage.open('primary').checkpoints.set('c', 2);
    expect(await storage.open('primary').checkpoints.get('c')).toBe(2);
    await storage.close();
  });
});

describe('storageFailure', () => {
  it('turns Dexie errors into storage_failure and passes everything else through', () => {
    const quota = new Dexie.QuotaExceededError('no space');
    const mapped = storageFailure(quota, 'write');
    expect(mapped).toBeInstanceOf(SluiceError);
    expect(mapped).toMatchObject({ code: 'storage_failure', cause: quota });
    expect((mapped as Error).message).toMatch(/prune the oplog/);

    const own = new SluiceError('invalid_key', 'bad key');
    const plain = new Error('injected failure before commit');
    expect(storageFailure(own, 'write')).toBe(own);
    expect(storageFailure(plain, 'write')).toBe(plain);
  });
});
