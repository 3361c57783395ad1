import { Dexie, type IndexableType } from 'dexie';
import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { StoredDocument } from '../../../src/core/document.ts';
import type { JsonValue } from '../../../src/core/json.ts';
import type { OplogEntry, OplogOp } from '../../../src/core/oplog-entry.ts';
import type { Confirmation, PeerRecord } from '../../../src/store/confirmation-store.ts';
import type { AuthorHead } from '../../../src/store/oplog-store.ts';
import type { PreparedDocument } from '../../../src/store/validation.ts';
import type { IndexSpec } from '../../../src/store/query/index-spec.ts';
import { indexKey, type IdbKey } from './query-keys.ts';

/*
 * Rows as stored. Values, metadata and checkpoints are JSON text so reads never alias caller
 * objects; HLCs are split into wall/logic/node because numbers and strings order correctly
 * inside IndexedDB array keys.
 */

export interface DocumentRow {
  readonly datasetId: DatasetId;
  readonly collection: string;
  readonly key: string;
  readonly valueJson: string | null;
  readonly metaJson: string | null;
  readonly wall: number;
  readonly logic: number;
  readonly node: string;
  readonly deleted: boolean;
  /** One key per declared index of the collection (query-keys.ts); absent on tombstones. */
  readonly qk?: IdbKey[];
}

export interface EntryRow {
  readonly datasetId: DatasetId;
  readonly hash: string;
  readonly collection: string;
  readonly key: string;
  readonly op: OplogOp;
  readonly payload: string | null;
  readonly wall: number;
  readonly logic: number;
  readonly node: string;
  readonly prevHash: string;
  /** Not indexed, so rows written before signatures existed need no schema change. */
  readonly signature?: string;
}

/** A head or a prune boundary: one per author. */
export interface AuthorRow {
  readonly datasetId: DatasetId;
  readonly node: string;
  readonly wall: number;
  readonly logic: number;
  readonly hash: string;
}

export interface PeerRow extends PeerRecord {
  readonly datasetId: DatasetId;
}

export interface ConfirmationRow {
  readonly datasetId: DatasetId;
  readonly peerId: string;
  readonly authorId: string;
  readonly wall: number;
  readonly logic: number;
  readonly node: string;
  readonly hash: string;
  readonly confirmedAt: number;
}

export interface CheckpointRow {
  readonly datasetId: DatasetId;
  readonly name: string;
  readonly valueJson: string;
}

export interface QueryIndexRow {
  readonly datasetId: DatasetId;
  readonly collection: string;
  /** Each index as its field names. */
  readonly indexes: string[][];
}

export type DocumentKey = [DatasetId, string, string];
export type EntryKey = [DatasetId, string];
export type AuthorKey = [DatasetId, string];
export type PeerKey = [DatasetId, string];
export type ConfirmationKey = [DatasetId, string, string];
export type CheckpointKey = [DatasetId, string];

/**
 * An array sorts after every number, date, string and binary key. Dexie.maxKey is not used: it
 * falls back to '\uffff' when Dexie loads without a global IDBKeyRange, and a key starting with
 * U+FFFF sorts after that.
 */
const AFTER_ALL: IndexableType = [];

/** Bounds (inclusive) of every key that starts with `prefix`. */
export function prefixRange(...prefix: (string | number)[]): [IndexableType, IndexableType] {
  return [[...prefix, Dexie.minKey], [...prefix, AFTER_ALL] as IndexableType];
}

/** `indexes`: the collection's declared query indexes, whose keys the row carries. */
export function documentRow(datasetId: DatasetId, p: PreparedDocument, indexes: readonly IndexSpec[] | undefined): DocumentRow {
  const { collection, key, hlc, deleted, value } = p.doc;
  const row: DocumentRow = { datasetId, collection, key, valueJson: p.valueJson, metaJson: p.metaJson, wall: hlc.wall, logic: hlc.logic, node: hlc.nodeId, deleted };
  return indexes && indexes.length > 0 && !deleted ? { ...row, qk: indexes.map((index) => indexKey(datasetId, collection, index, value)) } : row;
}

export function toDocument(row: DocumentRow): StoredDocument {
  return {
    collection: row.collection,
    key: row.key,
    value: row.valueJson === null ? null : (JSON.parse(row.valueJson) as JsonValue),
    hlc: { wall: row.wall, logic: row.logic, nodeId: row.node },
    deleted: row.deleted,
    meta: row.metaJson === null ? null : (JSON.parse(row.metaJson) as JsonValue),
  };
}

export function entryRow(datasetId: DatasetId, e: OplogEntry): EntryRow {
  return {
    datasetId,
    hash: e.hash,
    collection: e.collection,
    key: e.key,
    op: e.op,
    payload: e.payload,
    wall: e.hlc.wall,
    logic: e.hlc.logic,
    node: e.hlc.nodeId,
    prevHash: e.prevHash,
    ...(e.signature === undefined ? {} : { signature: e.signature }),
  };
}

export function toEntry(row: EntryRow): OplogEntry {
  return {
    datasetId: row.datasetId,
    collection: row.collection,
    key: row.key,
    op: row.op,
    payload: row.payload,
    hlc: { wall: row.wall, logic: row.logic, nodeId: row.node },
    hash: row.hash,
    prevHash: row.prevHash,
    ...(row.signature === undefined ? {} : { signature: row.signature }),
  };
}

export function authorRow(datasetId: DatasetId, h: AuthorHead): AuthorRow {
  return { datasetId, node: h.nodeId, wall: h.hlc.wall, logic: h.hlc.logic, hash: h.hash };
}

export function toAuthorHead(row: AuthorRow): AuthorHead {
  return { nodeId: row.node, hlc: { wall: row.wall, logic: row.logic, nodeId: row.node }, hash: row.hash };
}

export function toPeer(row: PeerRow): PeerRecord {
  return { peerId: row.peerId, address: row.address, active: row.active, registeredAt: row.registeredAt };
}

export function toConfirmation(row: ConfirmationRow): Confirmation {
  return {
    peerId: row.peerId,
    authorId: row.authorId,
    hlc: { wall: row.wall, logic: row.logic, nodeId: row.node },
    hash: row.hash,
    confirmedAt: row.confirmedAt,
  };
}
