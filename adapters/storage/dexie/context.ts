import type { Table, Transaction } from 'dexie';
import { assertDatasetId, type DatasetId } from '../../../src/core/dataset-id.ts';
import type { StorageTestHooks } from '../../../src/store/storage-adapter.ts';
import { assertOpen } from '../../../src/store/validation.ts';
import { storageFailure, type DatasetDatabases } from './databases.ts';
import type {
  AuthorKey,
  AuthorRow,
  CheckpointKey,
  CheckpointRow,
  ConfirmationKey,
  ConfirmationRow,
  DocumentKey,
  DocumentRow,
  EntryKey,
  EntryRow,
  PeerKey,
  PeerRow,
} from './rows.ts';
import { TABLES, type TableName } from './schema.ts';

export interface DatasetTables {
  readonly documents: Table<DocumentRow, DocumentKey>;
  readonly oplog: Table<EntryRow, EntryKey>;
  readonly heads: Table<AuthorRow, AuthorKey>;
  readonly boundaries: Table<AuthorRow, AuthorKey>;
  readonly peers: Table<PeerRow, PeerKey>;
  readonly confirmations: Table<ConfirmationRow, ConfirmationKey>;
  readonly checkpoints: Table<CheckpointRow, CheckpointKey>;
}

/** What every port of the adapter shares: the databases, the limits, the hooks and the closed flag. */
export class DexieContext {
  readonly kind = 'dexie';
  private closed = false;

  constructor(
    private readonly databases: DatasetDatabases,
    readonly maxPayloadBytes: number,
    private readonly hooks: StorageTestHooks,
  ) {}

  /** First thing every method does, before it validates the rest of its input. */
  check(datasetId: DatasetId): void {
    assertOpen(this.closed, this.kind);
    assertDatasetId(datasetId);
  }

  /** Inside a write transaction, after its writes: a throw here rolls the transaction back. */
  commit(operation: string): void {
    this.hooks.beforeCommit?.(operation);
  }

  read<T>(datasetId: DatasetId, tables: readonly TableName[], body: (t: DatasetTables) => Promise<T>): Promise<T> {
    return this.run('r', datasetId, tables, body);
  }

  /** One rw transaction over `tables`; `body` calls commit() after its writes. */
  write<T>(datasetId: DatasetId, tables: readonly TableName[], body: (t: DatasetTables) => Promise<T>): Promise<T> {
    return this.run('rw', datasetId, tables, body);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.databases.closeAll();
  }

  private async run<T>(mode: 'r' | 'rw', datasetId: DatasetId, tables: readonly TableName[], body: (t: DatasetTables) => Promise<T>): Promise<T> {
    assertOpen(this.closed, this.kind);
    const db = await this.databases.get(datasetId);
    try {
      // An async scope lets Dexie follow native awaits; tables bound to `tx` make every operation
      // join this transaction explicitly, so none can slip into an implicit one of its own.
      return await db.transaction(mode, tables.map((t) => TABLES[t]), async (tx) => body(tablesOf(tx)));
    } catch (error) {
      throw storageFailure(error, mode === 'r' ? 'read' : 'write');
    }
  }
}

/** Tables of the transaction; a table outside its scope throws when touched. */
function tablesOf(tx: Transaction): DatasetTables {
  const table = (name: TableName) => tx.table(TABLES[name]);
  return {
    get documents() { return table('documents'); },
    get oplog() { return table('oplog'); },
    get heads() { return table('heads'); },
    get boundaries() { return table('boundaries'); },
    get peers() { return table('peers'); },
    get confirmations() { return table('confirmations'); },
    get checkpoints() { return table('checkpoints'); },
  };
}
