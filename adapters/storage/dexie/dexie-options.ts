import { SluiceError } from '../../../src/core/errors.ts';
import type { StorageDescriptor, StorageLimits, StorageTestHooks } from '../../../src/store/storage-adapter.ts';
import { resolveMaxPayloadBytes } from '../../../src/store/payload-limit.ts';
import type { DexieDurability, DexieLayout } from './databases.ts';

export interface DexieStorageOptions extends StorageLimits {
  /** The IndexedDB database of dataset `primary`; other datasets use `${name}.${datasetId}`. */
  name: string;
  /**
   * database-per-dataset (default): one IndexedDB database per dataset, so one dataset's writes
   * never queue behind another's. single-database: every dataset in `name`, apart by datasetId.
   */
  layout?: DexieLayout;
  /**
   * database-per-dataset only. true (default): where the browser has Storage Buckets, every
   * dataset but primary opens its database in a bucket of its own, with its own backing store, so
   * a telemetry flood does not delay primary's commits. A database already in the default bucket
   * stays there. false: every database in the default bucket.
   */
  buckets?: boolean;
  /**
   * When a write counts as done. 'strict' (default): once it is flushed to the disk, so a write
   * sluice acknowledged survives a power cut too. 'relaxed': once IndexedDB handed it to the
   * operating system (Chromium's own default since 121, and Firefox's and Safari's): it survives a
   * closed or crashed tab or browser, but a power cut in the moment after can lose it. Applies to
   * every dataset's database and bucket. Measured in the browser-isolation bench, relaxed did not
   * lower primary's latency under a telemetry flood (docs/persistence-providers.md).
   */
  durability?: DexieDurability;
  /** Another IndexedDB implementation (e.g. an in-memory one for tests); default: the global one. */
  indexedDB?: IDBFactory;
  /** The IDBKeyRange that belongs to `indexedDB`. */
  IDBKeyRange?: typeof IDBKeyRange;
  hooks?: StorageTestHooks;
}

export interface ResolvedDexieOptions {
  readonly name: string;
  readonly layout: DexieLayout;
  readonly buckets: boolean;
  readonly durability: DexieDurability;
  readonly maxPayloadBytes: number;
  /** What a worker opens the same databases from. A custom IndexedDB factory cannot cross to a worker; workers use their global indexedDB. */
  readonly description: StorageDescriptor;
}

/** Checks dexieStorage()'s options where they are given (in a page or a worker). */
export function resolveDexieOptions(options: DexieStorageOptions): ResolvedDexieOptions {
  const { name, layout = 'database-per-dataset' } = options ?? ({} as DexieStorageOptions);
  if (typeof name !== 'string' || name.length === 0) {
    throw new SluiceError('invalid_options', `dexieStorage needs a database name, got ${JSON.stringify(name)}: pass { name: 'my-app' }.`);
  }
  if (layout !== 'database-per-dataset' && layout !== 'single-database') {
    throw new SluiceError('invalid_options', `Unknown layout ${JSON.stringify(layout)}: use "database-per-dataset" or "single-database".`);
  }
  const buckets = options.buckets ?? true;
  if (typeof buckets !== 'boolean') {
    throw new SluiceError('invalid_options', `buckets must be true or false, got ${JSON.stringify(buckets)}.`, { field: 'buckets' });
  }
  const durability = options.durability ?? 'strict';
  if (durability !== 'relaxed' && durability !== 'strict') {
    throw new SluiceError('invalid_options', `durability must be "relaxed" or "strict", got ${JSON.stringify(durability)}.`, { field: 'durability' });
  }
  const maxPayloadBytes = resolveMaxPayloadBytes(options);
  return { name, layout, buckets, durability, maxPayloadBytes, description: { kind: 'dexie', name, layout, buckets, durability, maxPayloadBytes } };
}
