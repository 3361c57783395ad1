import type { StorageAdapter } from '../../store/storage-adapter.ts';

/**
 * Tabs share a dataset when they share its storage: the same kind and the same name (or path).
 * Storage a worker cannot open (no describe()) is not shared: null.
 */
export function sharedStorageKey(storage: StorageAdapter): string | null {
  const d = storage.describe?.();
  if (!d) return null;
  const where = d.name ?? d.path ?? d.url ?? '';
  return `${d.kind}:${typeof where === 'string' ? where : JSON.stringify(where)}`;
}
