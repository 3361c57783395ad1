import type { DatasetId } from '../core/dataset-id.ts';
import type { StoredDocument } from '../core/document.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';

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
   * For storage with shared writers: the documents were resolved against a read that another
   * process may have overtaken, so the adapter merges each with the row it holds locked, inside the
   * transaction. The resolvers' merge is a join (commutative, associative, idempotent), so merging
   * with a newer row gives what resolving against it would have. Single-writer adapters ignore it.
   */
  readonly mergeDocument?: (stored: StoredDocument, resolved: StoredDocument) => StoredDocument;
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

export interface DocumentStore {
  get(datasetId: DatasetId, collection: string, key: string): Promise<StoredDocument | undefined>;
  /** One result per ref, in order; undefined where nothing is stored. */
  getMany(datasetId: DatasetId, refs: readonly DocumentRef[]): Promise<(StoredDocument | undefined)[]>;
  /** Write a document state as is (no oplog). A tombstone is a put with `deleted: true`. */
  put(datasetId: DatasetId, document: StoredDocument): Promise<void>;
  /** Forget a document entirely, tombstone included. Sync deletes write tombstones instead. */
  delete(datasetId: DatasetId, collection: string, key: string): Promise<boolean>;
  list(datasetId: DatasetId, collection: string, options?: ListOptions): Promise<StoredDocument[]>;
  /** Documents + oplog + vector clock in one transaction. */
  applyBatch(datasetId: DatasetId, batch: ApplyBatch): Promise<ApplyResult>;
}
