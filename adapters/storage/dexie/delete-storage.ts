import { SluiceError } from '../../../src/core/errors.ts';
import { bucketName, isBucketOf, storageBuckets } from './buckets.ts';

/**
 * Deletes everything a `dexieStorage({ name })` wrote in this origin: the database `name`, every
 * `name.<dataset>` database, and the storage buckets of its datasets (`datasets` names the ones
 * whose bucket names were hashed because they are long; short names are found by prefix). Close
 * every node using the storage first: an open connection blocks the delete until it closes.
 */
export async function deleteDexieStorage(options: { name: string; datasets?: readonly string[] }): Promise<void> {
  const name = options?.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new SluiceError('invalid_options', `deleteDexieStorage needs the storage's name, got ${JSON.stringify(name)}: pass { name: 'my-app' }.`, { field: 'name' });
  }
  const all = (await indexedDB.databases()).map((d) => d.name).filter((n): n is string => !!n && (n === name || n.startsWith(`${name}.`)));
  await Promise.all(all.map(deleteDatabase));
  const buckets = storageBuckets();
  if (!buckets) return;
  const hashed = new Set((options.datasets ?? []).map((d) => bucketName(name, d)));
  for (const bucket of await buckets.keys()) {
    if (isBucketOf(bucket, name) || hashed.has(bucket)) await buckets.delete(bucket);
  }
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(new SluiceError('storage_failure', `Cannot delete IndexedDB database "${name}": ${request.error?.message ?? 'unknown error'}.`, { database: name }));
    // A blocked delete completes once the other connections close.
    request.onblocked = () => undefined;
  });
}
