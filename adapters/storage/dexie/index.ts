export { dexieStorage, type DexieLayout, type DexieStorageOptions } from './dexie-storage.ts';
export { deleteDexieStorage } from './delete-storage.ts';
