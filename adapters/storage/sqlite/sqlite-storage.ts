import { assertDatasetId, type DatasetId } from '../../../src/core/dataset-id.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import type { DatasetStore, StorageAdapter, StorageDescriptor, StorageLimits, StorageTestHooks } from '../../../src/store/storage-adapter.ts';
import { openScoped, type ScopedPorts } from '../../../src/store/dataset-scoped.ts';
import { assertOpen, resolveMaxPayloadBytes } from '../../../src/store/validation.ts';
import { sqliteCheckpointStore } from './checkpoints.ts';
import { sqliteConfirmationStore } from './confirmations.ts';
import type { StoreContext } from './context.ts';
import type { SqliteDriver } from './driver.ts';
import { sqliteDocumentStore } from './documents.ts';
import { sqliteOplogStore } from './oplog.ts';
import { datasetPath } from './paths.ts';
import { SqliteSession, type SessionOptions, type SynchronousMode } from './session.ts';
import { sqliteSnapshotStore } from './snapshots.ts';

export type SqliteLayout = 'file-per-dataset' | 'single-file';

export interface SqliteStorageOptions extends StorageLimits {
  /**
   * The database file of `primary`, e.g. `./data/app.db`; other datasets get `./data/app.<datasetId>.db`
   * unless `layout` is 'single-file'. ':memory:' keeps everything in memory (one database per dataset).
   */
  path: string;
  /**
   * 'file-per-dataset' (default): SQLite serialises writers per file, so separate files let datasets
   * write in parallel and be copied, restored or deleted on their own. 'single-file': every dataset
   * in `path`, told apart by the dataset_id column.
   */
  layout?: SqliteLayout;
  /**
   * 'normal' (default) in WAL mode never corrupts and never loses a commit to a process crash; an
   * OS crash or power loss may drop the last commits. 'full' syncs every commit to disk.
   */
  synchronous?: SynchronousMode;
  /** How long a write waits for another process holding the database. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** @internal Fault injection for crash tests. */
  hooks?: StorageTestHooks;
}

/**
 * Durable storage on SQLite through `driver`. Each dataset's database opens on first use and stays
 * open until close(). Apps call the `sqliteStorage` of their runtime's entry (`sluice/sqlite`), which
 * supplies the driver.
 */
export function sqliteStorageOn(driver: SqliteDriver, options: SqliteStorageOptions): StorageAdapter {
  return new SqliteStorage(driver, options);
}

const SINGLE_FILE_KEY = '';

class SqliteStorage implements StorageAdapter {
  readonly kind = 'sqlite';
  private readonly ports: ScopedPorts;
  private readonly stores = new Map<DatasetId, DatasetStore>();
  private readonly sessions = new Map<string, SqliteSession>();
  private readonly path: string;
  private readonly layout: SqliteLayout;
  private readonly driver: SqliteDriver;
  private readonly sessionOptions: SessionOptions;
  private readonly maxPayloadBytes: number;
  private closed = false;

  constructor(driver: SqliteDriver, options: SqliteStorageOptions) {
    if (typeof options?.path !== 'string' || options.path === '') {
      throw new SluiceError('invalid_options', 'sqliteStorage needs a path: the database file of the primary dataset (e.g. "./data/app.db"), or ":memory:".');
    }
    const layout = options.layout ?? 'file-per-dataset';
    if (layout !== 'file-per-dataset' && layout !== 'single-file') {
      throw new SluiceError('invalid_options', `Unknown layout ${JSON.stringify(layout)}: use 'file-per-dataset' or 'single-file'.`);
    }
    const synchronous = options.synchronous ?? 'normal';
    if (synchronous !== 'normal' && synchronous !== 'full') {
      throw new SluiceError('invalid_options', `Unknown synchronous mode ${JSON.stringify(synchronous)}: use 'normal' or 'full'.`);
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new SluiceError('invalid_options', `busyTimeoutMs must be a non-negative integer, got ${String(busyTimeoutMs)}.`);
    }
    this.path = options.path;
    this.layout = layout;
    this.driver = driver;
    this.sessionOptions = { synchronous, busyTimeoutMs, hooks: options.hooks ?? {} };
    this.maxPayloadBytes = resolveMaxPayloadBytes(options);
    const ctx: StoreContext = { session: (datasetId) => this.session(datasetId), maxPayloadBytes: this.maxPayloadBytes };
    this.ports = {
      documents: sqliteDocumentStore(ctx),
      oplog: sqliteOplogStore(ctx),
      confirmations: sqliteConfirmationStore(ctx),
      checkpoints: sqliteCheckpointStore(ctx),
      snapshots: sqliteSnapshotStore(ctx),
    };
  }

  open(datasetId: DatasetId): DatasetStore {
    return openScoped(this.ports, this.stores, datasetId);
  }

  /** The driver is not described: a worker picks the SQLite driver of its own runtime. */
  describe(): StorageDescriptor {
    const { synchronous, busyTimeoutMs } = this.sessionOptions;
    return { kind: 'sqlite', path: this.path, layout: this.layout, synchronous, busyTimeoutMs, maxPayloadBytes: this.maxPayloadBytes };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    let failure: unknown;
    for (const session of sessions) {
      try {
        session.close();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** File per dataset: closes the dataset's file until its next call. One file for all: nothing to release. */
  async release(datasetId: DatasetId): Promise<void> {
    if (this.layout === 'single-file' || this.closed) return;
    const session = this.sessions.get(datasetId);
    this.sessions.delete(datasetId);
    session?.close();
  }

  private session(datasetId: DatasetId): SqliteSession {
    assertOpen(this.closed, this.kind);
    assertDatasetId(datasetId);
    const key = this.layout === 'single-file' ? SINGLE_FILE_KEY : datasetId;
    let session = this.sessions.get(key);
    if (session === undefined) {
      const file = this.layout === 'single-file' ? this.path : datasetPath(this.path, datasetId);
      session = SqliteSession.open(this.driver, file, this.sessionOptions);
      this.sessions.set(key, session);
    }
    return session;
  }
}
