import type { StorageAdapter } from '../../store/storage-adapter.ts';

/**
 * Tabs share a dataset when they share its storage: the same kind and the same name (or path).
 * Not shared (null): storage a worker cannot open (no describe()), and memory storage, which is
 * each tab's own and would be lost with whichever tab held it.
 */
export function sharedStorageKey(storage: StorageAdapter): string | null {
  const d = storage.describe?.();
  if (!d || d.kind === 'memory') return null;
  const where = d.name ?? d.path ?? d.url ?? '';
  return `${d.kind}:${typeof where === 'string' ? where : JSON.stringify(where)}`;
}
