import { assertDatasetId, normalizeDatasetId, type DatasetId } from '../core/dataset-id.ts';
import { valueTextOf, type StoredDocument } from '../core/document.ts';
import { SluiceError } from '../core/errors.ts';
import { assertHlc, compareHlc, isValidNodeId, type Hlc } from '../core/hlc.ts';
import { canonicalJson, MAX_META_DEPTH, utf8Length, type JsonValue } from '../core/json.ts';
import { assertCollection, assertKey } from '../core/names.ts';
import { assertEntry, entryByteSize, isCheckedEntry, type OplogEntry } from '../core/oplog-entry.ts';
import type { ApplyBatch, ListOptions } from './document-store.ts';
import type { AuthorHead, ReadLimits } from './oplog-store.ts';
import { SNAPSHOT_FORMAT, type DatasetSnapshot } from './snapshot-store.ts';

/*
 * Shared input checks for every adapter. Adapters run them on the whole input before opening a
 * transaction, so bad input can never leave a half-written batch behind.
 */

export { DEFAULT_MAX_PAYLOAD_BYTES, resolveMaxPayloadBytes } from './payload-limit.ts';
export const DEFAULT_READ_LIMIT = 1000;

/**
 * The payload limit a storage adapter enforces, as its descriptor states it (every shipped adapter
 * does), so writers can refuse an oversized value while serialising it instead of after. Undefined
 * for an adapter that does not say: writers then leave the size check to the adapter itself.
 */
export function payloadLimitOf(storage: { describe?(): { readonly [option: string]: unknown } }): number | undefined {
  const stated = storage.describe?.()?.maxPayloadBytes;
  return typeof stated === 'number' && Number.isSafeInteger(stated) && stated > 0 ? stated : undefined;
}

export function assertOpen(closed: boolean, kind: string): void {
  if (closed) {
    throw new SluiceError('store_closed', `The ${kind} storage adapter is closed: create a new one (or keep it open until every pipeline has stopped).`);
  }
}

/** A document ready to write: validated, with its value and resolver metadata as JSON text. */
export interface PreparedDocument {
  readonly doc: StoredDocument;
  readonly valueJson: string | null;
  readonly metaJson: string | null;
}

export function prepareDocument(document: StoredDocument, maxPayloadBytes: number): PreparedDocument {
  if (typeof document !== 'object' || document === null) {
    throw new SluiceError('invalid_payload', 'Invalid document: expected an object with collection, key, value, hlc and deleted.');
  }
  const collection = assertCollection(document.collection);
  const key = assertKey(document.key);
  const hlc = assertHlc(document.hlc, `hlc of ${collection}/${key}`);
  if (typeof document.deleted !== 'boolean') {
    throw new SluiceError('invalid_payload', `Document ${collection}/${key}: "deleted" must be a boolean.`);
  }
  if (document.deleted && document.value !== null) {
    throw new SluiceError('invalid_payload', `Document ${collection}/${key} is a tombstone, so its value must be null.`);
  }
  // A value a resolver built from an entry's checked payload is written as that text, and is not
  // read here: reading it would parse a text nobody may ever need as a value (documentFromText).
  const text = document.deleted ? undefined : valueTextOf(document);
  if (!document.deleted && text === undefined && document.value === undefined) {
    throw new SluiceError('invalid_payload', `Document ${collection}/${key} has no value: pass a JSON value, or mark it deleted.`);
  }
  if (text !== undefined) assertSize(text, maxPayloadBytes, `document ${collection}/${key}`);
  // The size is checked while serialising: an oversized value is refused after maxPayloadBytes of work.
  const valueJson = document.deleted ? null : (text ?? canonicalJson(document.value, { maxBytes: maxPayloadBytes, what: `document ${collection}/${key}` }));
  const metaJson = document.meta === undefined || document.meta === null ? null : canonicalJson(document.meta, { maxDepth: MAX_META_DEPTH, what: `the resolver metadata of ${collection}/${key}` });
  const meta = document.meta ?? null;
  const doc: StoredDocument =
    text !== undefined
      ? { collection, key, get value() { return document.value; }, hlc, deleted: false, meta }
      : { collection, key, value: document.deleted ? null : document.value, hlc, deleted: document.deleted, meta };
  return { doc, valueJson, metaJson };
}

export function prepareEntries(datasetId: DatasetId, entries: readonly OplogEntry[], maxPayloadBytes: number): OplogEntry[] {
  if (!Array.isArray(entries)) throw new SluiceError('invalid_entry', 'Expected an array of oplog entries.');
  return entries.map((raw) => {
    // Entries this library built or decoded were checked where they came in; others are checked here.
    const entry = isCheckedEntry(raw) ? raw : assertEntry(raw);
    if (entry.datasetId !== datasetId) {
      throw new SluiceError(
        'dataset_mismatch',
        `Entry ${entry.hash} belongs to dataset "${entry.datasetId}" but was written to "${datasetId}": write each dataset's entries through its own store calls.`,
        { expected: datasetId, actual: entry.datasetId },
      );
    }
    if (entry.payload !== null) assertSize(entry.payload, maxPayloadBytes, `entry ${entry.hash}`);
    return entry;
  });
}

export function prepareBatch(datasetId: DatasetId, batch: ApplyBatch, maxPayloadBytes: number): { documents: PreparedDocument[]; entries: OplogEntry[] } {
  assertDatasetId(datasetId);
  if (typeof batch !== 'object' || batch === null || !Array.isArray(batch.documents) || !Array.isArray(batch.entries)) {
    throw new SluiceError('invalid_entry', 'Invalid batch: expected { documents: StoredDocument[], entries: OplogEntry[] }.');
  }
  return {
    documents: batch.documents.map((d) => prepareDocument(d, maxPayloadBytes)),
    entries: prepareEntries(datasetId, batch.entries, maxPayloadBytes),
  };
}

function assertSize(json: string, maxPayloadBytes: number, what: string): void {
  // Cheap bound first: UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (json.length * 3 <= maxPayloadBytes) return;
  const size = utf8Length(json);
  if (size > maxPayloadBytes) {
    throw new SluiceError(
      'payload_too_large',
      `The JSON of ${what} is ${size} bytes, over the ${maxPayloadBytes}-byte limit: split the document, or raise maxPayloadBytes on the storage adapter.`,
      { size, limit: maxPayloadBytes },
    );
  }
}

/** The newest entry per author in `entries`: what a batch contributes to the vector clock. */
export function headsOf(entries: readonly OplogEntry[]): Map<string, AuthorHead> {
  const heads = new Map<string, AuthorHead>();
  for (const e of entries) {
    const current = heads.get(e.hlc.nodeId);
    if (current === undefined || compareHlc(e.hlc, current.hlc) > 0) heads.set(e.hlc.nodeId, { nodeId: e.hlc.nodeId, hlc: e.hlc, hash: e.hash });
  }
  return heads;
}

export function resolveReadLimits(limits: ReadLimits | undefined): { limit: number; maxBytes: number } {
  const limit = limits?.limit ?? DEFAULT_READ_LIMIT;
  const maxBytes = limits?.maxBytes ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(limit) || limit <= 0) throw new SluiceError('invalid_options', `limit must be a positive integer, got ${String(limit)}.`);
  if (!(maxBytes > 0)) throw new SluiceError('invalid_options', `maxBytes must be positive, got ${String(maxBytes)}.`);
  return { limit, maxBytes };
}

/** Cuts an ascending run of entries at the byte budget, keeping at least one so readers always progress. */
export function trimToBytes(entries: OplogEntry[], maxBytes: number): OplogEntry[] {
  if (maxBytes === Number.POSITIVE_INFINITY) return entries;
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    total += entryByteSize(entries[i]!);
    if (total > maxBytes) return entries.slice(0, Math.max(1, i));
  }
  return entries;
}

export function assertPeerId(value: unknown, field = 'peerId'): string {
  if (!isValidNodeId(value)) {
    throw new SluiceError('invalid_node_id', `Invalid ${field} ${JSON.stringify(value)}: use a node id (1-128 characters of A-Z, a-z, 0-9, '.', '_', '~' or '-').`);
  }
  return value;
}

export function assertCheckpointName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new SluiceError('invalid_key', `Invalid checkpoint name ${JSON.stringify(value)}: use a non-empty string of at most 256 characters.`);
  }
  return value;
}

export function checkpointJson(value: JsonValue): string {
  if (value === undefined) throw new SluiceError('invalid_payload', 'A checkpoint value must be JSON (use delete to remove it).');
  return canonicalJson(value);
}

/**
 * Validates a snapshot from outside. Snapshots written before datasets existed carry no dataset id
 * on the snapshot or its entries: those read as `primary`.
 */
export function parseSnapshot(datasetId: DatasetId, raw: unknown, maxPayloadBytes: number): DatasetSnapshot {
  assertDatasetId(datasetId);
  const s = raw as Partial<DatasetSnapshot> | null;
  if (typeof s !== 'object' || s === null || !Array.isArray(s.documents) || !Array.isArray(s.oplog)) {
    throw new SluiceError('invalid_snapshot', 'Invalid snapshot: expected an object with documents and oplog arrays (as written by snapshots.export).');
  }
  if (s.format !== undefined && s.format !== SNAPSHOT_FORMAT) {
    throw new SluiceError('invalid_snapshot', `Unsupported snapshot format ${JSON.stringify(s.format)}: this version reads "${SNAPSHOT_FORMAT}".`);
  }
  const snapshotDataset = normalizeDatasetId(s.datasetId);
  if (snapshotDataset !== datasetId) {
    throw new SluiceError(
      'dataset_mismatch',
      `This snapshot holds dataset "${snapshotDataset}" and cannot be imported into "${datasetId}".`,
      { expected: datasetId, actual: snapshotDataset },
    );
  }
  const oplog = prepareEntries(
    datasetId,
    s.oplog.map((e) => ({ ...e, datasetId: normalizeDatasetId((e as Partial<OplogEntry>).datasetId) })),
    maxPayloadBytes,
  );
  const documents = s.documents.map((d) => prepareDocument(d, maxPayloadBytes).doc);
  const heads = (s.heads ?? []).map((h) => assertHead(h));
  const boundaries = (s.boundaries ?? []).map((h) => assertHead(h));
  return { format: SNAPSHOT_FORMAT, datasetId, createdAt: typeof s.createdAt === 'number' ? s.createdAt : 0, documents, oplog, heads, boundaries };
}

function assertHead(raw: unknown): AuthorHead {
  const h = raw as Partial<AuthorHead> | null;
  if (typeof h !== 'object' || h === null || typeof h.hash !== 'string' || !/^[0-9a-f]{64}$/.test(h.hash)) {
    throw new SluiceError('invalid_snapshot', 'Invalid snapshot head/boundary: expected { nodeId, hlc, hash }.');
  }
  const nodeId = assertPeerId(h.nodeId, 'author id');
  const hlc = assertHlc(h.hlc);
  if (hlc.nodeId !== nodeId) throw new SluiceError('invalid_snapshot', `Snapshot head for "${nodeId}" carries a timestamp of "${hlc.nodeId}".`);
  return { nodeId, hlc, hash: h.hash };
}

/** Default merge for snapshot imports: the newer HLC wins, ties keep what is stored. */
export function newerDocument(local: StoredDocument, incoming: StoredDocument): StoredDocument {
  return compareHlc(incoming.hlc, local.hlc) > 0 ? incoming : local;
}

/**
 * Snapshot order: by collection, then key in UTF-16 code units. SQL databases order text by UTF-8
 * bytes, which differs only for keys mixing astral characters with U+E000..U+FFFF, so adapters
 * sort the rows they read once more; rows already almost in order make this cheap.
 */
export function byCollectionKey(a: StoredDocument, b: StoredDocument): number {
  if (a.collection !== b.collection) return a.collection < b.collection ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Validated list options; `limit` is Infinity when none was given. */
export function resolveListOptions(options: ListOptions | undefined): { includeDeleted: boolean; afterKey: string | undefined; limit: number } {
  const o = options ?? {};
  if (typeof o !== 'object') throw new SluiceError('invalid_options', 'List options must be an object like { limit: 100, afterKey: "k" }.');
  const limit = o.limit ?? Number.POSITIVE_INFINITY;
  if (limit !== Number.POSITIVE_INFINITY && (!Number.isInteger(limit) || limit < 0)) {
    throw new SluiceError('invalid_options', `limit must be a non-negative integer, got ${String(o.limit)}.`);
  }
  if (o.afterKey !== undefined && typeof o.afterKey !== 'string') {
    throw new SluiceError('invalid_options', `afterKey must be a document key (string), got ${typeof o.afterKey}.`);
  }
  return { includeDeleted: o.includeDeleted === true, afterKey: o.afterKey, limit };
}

/** A watermark says how far `peerId` holds `authorId`'s chain: the timestamp and hash must be that author's. */
export function assertConfirmation(peerId: unknown, authorId: unknown, hlc: unknown, hash: unknown): { peerId: string; authorId: string; hlc: Hlc; hash: string } {
  const peer = assertPeerId(peerId);
  const author = assertPeerId(authorId, 'authorId');
  const t = assertHlc(hlc);
  if (t.nodeId !== author) {
    throw new SluiceError('invalid_timestamp', `A confirmation for author "${author}" must carry one of that author's timestamps, not one of "${t.nodeId}".`);
  }
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
    throw new SluiceError('invalid_entry', `Invalid confirmation hash ${JSON.stringify(hash)}: expected 64 lowercase hex characters.`);
  }
  return { peerId: peer, authorId: author, hlc: t, hash };
}
