import { PRIMARY_DATASET, type DatasetId } from '../../../src/core/dataset-id.ts';

/*
 * Storage Buckets (navigator.storageBuckets, Chromium 122+). All IndexedDB databases of an origin
 * share one backing store, so a telemetry dataset writing megabytes a second delays the commits of
 * `primary` even though they are different databases. A bucket has a backing store of its own: a
 * dataset in its own bucket is isolated in storage as it is in its worker and on its connection.
 */

interface StorageBuckets {
  open(name: string, options?: { durability?: 'strict' | 'relaxed' }): Promise<{ readonly indexedDB: IDBFactory }>;
  keys(): Promise<string[]>;
  delete(name: string): Promise<void>;
}

export function storageBuckets(): StorageBuckets | undefined {
  const buckets = (globalThis.navigator as { storageBuckets?: StorageBuckets } | undefined)?.storageBuckets;
  return buckets && typeof buckets.open === 'function' ? buckets : undefined;
}

/** Bucket names allow [a-z0-9_-], start with a letter or digit, and hold at most 64 characters. */
const MAX_BUCKET_NAME = 64;

/**
 * The bucket of one dataset of one adapter. Injective: letters other than a-z and digits, `-` and
 * `_` included, are escaped as `_` + 4 hex digits, and `-` separates the parts; a name too long
 * for the limit becomes a 64-bit hash of the escaped form instead.
 */
export function bucketName(adapterName: string, datasetId: DatasetId): string {
  const full = `sluice-${escape(adapterName)}-${escape(datasetId)}`;
  return full.length <= MAX_BUCKET_NAME ? full : `sluice-h${fnv1a64(full)}`;
}

/** Whether `bucket` could be one of the adapter's buckets (a hashed name is checked by the caller). */
export function isBucketOf(bucket: string, adapterName: string): boolean {
  return bucket.startsWith(`sluice-${escape(adapterName)}-`);
}

function escape(text: string): string {
  let out = '';
  for (const ch of text) {
    out += /^[a-z0-9]$/.test(ch) ? ch : [...ch].map((c) => `_${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  }
  return out;
}

function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * The IndexedDB factory a dataset's database lives in: its own bucket where the browser has them,
 * except for `primary` (its database predates datasets) and for a database already in the default
 * bucket (written before buckets were used: it stays where its data is). Undefined: the default.
 */
export async function bucketFactoryFor(adapterName: string, databaseName: string, datasetId: DatasetId, durability: 'relaxed' | 'strict'): Promise<IDBFactory | undefined> {
  if (datasetId === PRIMARY_DATASET) return undefined;
  const buckets = storageBuckets();
  if (!buckets) return undefined;
  const existing = await globalThis.indexedDB?.databases?.().catch(() => []);
  if (existing?.some((d) => d.name === databaseName)) return undefined;
  // The bucket's durability is the default of its transactions; Dexie also asks for it on each.
  const bucket = await buckets.open(bucketName(adapterName, datasetId), { durability });
  return bucket.indexedDB;
}
