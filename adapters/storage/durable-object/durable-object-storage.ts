import { SluiceError } from '../../../src/core/errors.ts';
import type { StorageAdapter, StorageLimits, StorageTestHooks } from '../../../src/store/storage-adapter.ts';
import { resolveMaxPayloadBytes } from '../../../src/store/validation.ts';
import { sqliteStorageOn } from '../sqlite/sqlite-storage.ts';
import { durableObjectDriver, type DurableObjectStorage } from './driver.ts';

export interface DurableObjectStorageOptions extends StorageLimits {
  /** @internal Fault injection for crash tests. */
  hooks?: StorageTestHooks;
}

/**
 * `ctx.storage` of a Durable Object. `sql` is checked when the storage is created (it only works
 * in SQLite-backed classes), so any typing of it, such as @cloudflare/workers-types', is accepted.
 */
export interface DurableObjectStorageInput {
  readonly sql: unknown;
  transactionSync<T>(closure: () => T): T;
}

/*
 * A value or payload shares its row with the key, hashes, signature and resolver metadata, and
 * the platform stores at most 2 MB per row: a limit close to 2 MB would accept values that can
 * never be written. 1.5 MiB leaves room for the rest.
 */
export const MAX_DURABLE_OBJECT_PAYLOAD_BYTES = 1.5 * 1024 * 1024;

/**
 * Storage in a Durable Object's own SQLite database: every dataset the object serves, in that one
 * database (the single-file layout). Pass `this.ctx.storage`; the class must be SQLite-backed.
 *
 * It has no describe(): the database can only be reached from inside the object, so a dataset
 * with `worker: true` is refused with invalid_options when the node starts, rather than failing
 * in a worker that cannot open it.
 */
export function durableObjectStorage(storage: DurableObjectStorageInput, options: DurableObjectStorageOptions = {}): StorageAdapter {
  const checked = assertSqlEnabled(storage);
  const maxPayloadBytes = resolveMaxPayloadBytes(options);
  if (maxPayloadBytes > MAX_DURABLE_OBJECT_PAYLOAD_BYTES) {
    throw new SluiceError(
      'invalid_options',
      `maxPayloadBytes ${maxPayloadBytes} is over ${MAX_DURABLE_OBJECT_PAYLOAD_BYTES}, the most durableObjectStorage accepts: a Durable Object stores at most 2 MB per row, and a payload shares its row with its key, hashes and metadata.`,
      { maxPayloadBytes, limit: MAX_DURABLE_OBJECT_PAYLOAD_BYTES },
    );
  }
  const inner = sqliteStorageOn(durableObjectDriver(checked), {
    path: 'durable-object',
    layout: 'single-file',
    maxPayloadBytes,
    ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
  });
  return {
    kind: 'durable-object',
    open: (datasetId) => inner.open(datasetId),
    close: () => inner.close(),
  };
}

function assertSqlEnabled(storage: DurableObjectStorageInput): DurableObjectStorage {
  const sql = (storage as { sql?: { exec?: unknown } } | null | undefined)?.sql;
  if (typeof sql?.exec !== 'function' || typeof storage.transactionSync !== 'function') {
    throw new SluiceError('invalid_options', 'durableObjectStorage needs the storage of a Durable Object (this.ctx.storage), with its sql API.');
  }
  const checked = storage as DurableObjectStorage;
  try {
    // Without SQLite the sql object exists, but every exec throws.
    checked.sql.exec('SELECT 1').toArray();
  } catch (error) {
    throw new SluiceError(
      'invalid_options',
      `This Durable Object has no SQLite database: declare its class under "new_sqlite_classes" in the migrations of your wrangler configuration (a class already deployed without SQLite cannot be switched; use a new class). The platform said: ${(error as Error)?.message ?? String(error)}`,
      undefined,
      { cause: error },
    );
  }
  return checked;
}
