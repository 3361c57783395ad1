export { dexieStorage, type DexieLayout, type DexieStorageOptions } from './dexie-storage.ts';
