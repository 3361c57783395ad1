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
  QueryIndexRow,
} from './rows.ts';
import { TABLES, type TableName } from './schema.ts';
import { prefixRange } from './rows.ts';
import { indexFromFields, type IndexSpec } from '../../../src/store/query/index-spec.ts';

export interface DatasetTables {
  readonly documents: Table<DocumentRow, DocumentKey>;
  readonly oplog: Table<EntryRow, EntryKey>;
  readonly heads: Table<AuthorRow, AuthorKey>;
  readonly boundaries: Table<AuthorRow, AuthorKey>;
  readonly peers: Table<PeerRow, PeerKey>;
  readonly confirmations: Table<ConfirmationRow, ConfirmationKey>;
  readonly checkpoints: Table<CheckpointRow, CheckpointKey>;
  readonly queryIndexes: Table<QueryIndexRow, [DatasetId, string]>;
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

  /**
   * Each dataset's declared query indexes by collection, read once per adapter: every write that
   * stores documents needs them to compute the rows' index keys. Only the adapter that writes a
   * dataset (the leader's, across tabs) declares indexes on it, so its copy stays current.
   */
  private readonly declared = new Map<DatasetId, Promise<Map<string, IndexSpec[]>>>();

  indexesOf(datasetId: DatasetId): Promise<Map<string, IndexSpec[]>> {
    let found = this.declared.get(datasetId);
    if (found === undefined) {
      found = this.read(datasetId, ['queryIndexes'], async (t) => {
        const [start, end] = prefixRange(datasetId);
        const rows = await t.queryIndexes.where(':id').between(start, end, true, true).toArray();
        return new Map(rows.map((r) => [r.collection, r.indexes.map(indexFromFields)]));
      });
      this.declared.set(datasetId, found);
      found.catch(() => this.declared.delete(datasetId));
    }
    return found;
  }

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
    get queryIndexes() { return table('queryIndexes'); },
  };
}
