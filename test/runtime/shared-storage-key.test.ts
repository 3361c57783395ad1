import { describe, expect, it } from 'vitest';
import { dexieStorage } from '../../adapters/storage/dexie/page.ts';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { sharedStorageKey } from '../../src/runtime/tabs/shared-storage-key.ts';

// Which storage the tabs of an origin meet on (the Web Lock and BroadcastChannel names derive from it).
describe('sharedStorageKey', () => {
  it('names IndexedDB storage by its database, so tabs opening the same one share it', () => {
    expect(sharedStorageKey(dexieStorage({ name: 'app' }))).toBe('dexie:app');
    expect(sharedStorageKey(dexieStorage({ name: 'other' }))).not.toBe(sharedStorageKey(dexieStorage({ name: 'app' })));
  });

  it('does not share memory storage (each tab keeps its own) or storage a worker cannot open', () => {
    expect(sharedStorageKey(memoryStorage())).toBeNull();
    expect(sharedStorageKey({ kind: 'custom', open: () => ({}) as never, close: async () => undefined })).toBeNull();
  });
});
