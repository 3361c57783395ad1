import type { StoredDocument } from '../core/document.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';
import type { JsonValue } from '../core/json.ts';
import type { IndexSpec } from './query/index-spec.ts';
import type { QueryPlan } from './query/plan.ts';

export interface DocumentRef {
  readonly collection: string;
  readonly key: string;
}

/**
 * One atomic unit of change: resolved document states plus the oplog entries that produced them.
 * After a crash either all of it is stored (documents, entries and the advanced vector clock) or none.
 */
export interface ApplyBatch {
  readonly documents: readonly StoredDocument[];
  /** Entries whose hash is already stored are skipped, so re-applying a batch is harmless. */
  readonly entries: readonly OplogEntry[];
  /**
   * Storage that other processes write too (`describe().sharedWriters`) must honour this: the
   * documents are resolved inside the transaction, against the rows as they stand there, with no
   * other writer able to change them until commit. The adapter locks and reads `refs` (one slot per
   * ref, undefined where nothing is stored), calls `resolve` once with them, and writes what it
   * returns alongside `documents`. Resolving against a read made before the transaction could undo
   * another hub's update; this cannot.
   */
  readonly resolveDocuments?: ResolveInTransaction;
}

export interface ResolveInTransaction {
  readonly refs: readonly DocumentRef[];
  resolve(stored: readonly (StoredDocument | undefined)[]): StoredDocument[];
}

/** What a query returns per document: only what an app reads, so storage can answer from an index. */
export interface QueriedDocument {
  readonly key: string;
  readonly value: JsonValue;
}

export interface ApplyResult {
  readonly documentsWritten: number;
  readonly entriesInserted: number;
}

export interface ListOptions {
  /** Tombstones are left out unless asked for. */
  readonly includeDeleted?: boolean;
  /** Resume after this key (keys are returned in ascending order). */
  readonly afterKey?: string;
  readonly limit?: number;
}

/** One dataset's current documents. */
export interface DocumentStore {
  get(collection: string, key: string): Promise<StoredDocument | undefined>;
  /** One result per ref, in order; undefined where nothing is stored. */
  getMany(refs: readonly DocumentRef[]): Promise<(StoredDocument | undefined)[]>;
  /** Write a document state as is (no oplog). A tombstone is a put with `deleted: true`. */
  put(document: StoredDocument): Promise<void>;
  /** Forget a document entirely, tombstone included. Sync deletes write tombstones instead. */
  delete(collection: string, key: string): Promise<boolean>;
  list(collection: string, options?: ListOptions): Promise<StoredDocument[]>;
  /** Documents + oplog + vector clock in one transaction. */
  applyBatch(batch: ApplyBatch): Promise<ApplyResult>;
  /**
   * Declares a collection's query indexes. Idempotent, and additive: indexes declared earlier
   * stay. Documents already stored are indexed before it resolves, and every later write keeps
   * the indexes current in the same transaction.
   */
  ensureIndexes(collection: string, indexes: readonly IndexSpec[]): Promise<void>;
  /**
   * The live documents of a collection that a planned query selects, in its order, paged: their
   * keys and values. The plan names the declared index to read (src/store/query/plan.ts); the
   * result must be exactly what src/store/query/evaluate.ts `runQuery` returns on the same documents.
   */
  query(collection: string, plan: QueryPlan): Promise<QueriedDocument[]>;
}
