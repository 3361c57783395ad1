import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { StoredDocument } from '../../../src/core/document.ts';
import type { JsonValue } from '../../../src/core/json.ts';
import type { OplogEntry, OplogOp } from '../../../src/core/oplog-entry.ts';
import type { Confirmation } from '../../../src/store/confirmation-store.ts';
import type { AuthorHead } from '../../../src/store/oplog-store.ts';
import type { QueriedDocument } from '../../../src/store/document-store.ts';

/*
 * Row decoders shared by the SQL adapters (SQLite and PostgreSQL), whose tables use the same column
 * names. Integers go through Number() because a driver may hand back bigint, or a string for a
 * bigint column; every stored integer was a safe integer when it was written. Number() also reads
 * SQLite's 0/1 and PostgreSQL's booleans alike.
 */

export type SqlRow = Readonly<Record<string, unknown>>;

export const ENTRY_COLUMNS = 'hash, wall, logic, node, collection, key, op, payload, prev_hash, signature';
export const HEAD_COLUMNS = 'node, wall, logic, hash';
export const CONFIRMATION_COLUMNS = 'peer_id, author_id, wall, logic, node, hash, confirmed_at';

/** The row's `value` and `meta` are JSON text (NULL for none). */
export function toDocument(row: SqlRow): StoredDocument {
  return {
    collection: row.collection as string,
    key: row.key as string,
    value: row.value === null ? null : (JSON.parse(row.value as string) as JsonValue),
    hlc: { wall: Number(row.wall), logic: Number(row.logic), nodeId: row.node as string },
    deleted: Number(row.deleted) !== 0,
    meta: row.meta === null ? null : (JSON.parse(row.meta as string) as JsonValue),
  };
}

/** A query's row: the key, and the value as JSON text. */
export function toQueried(row: SqlRow): QueriedDocument {
  return { key: row.key as string, value: JSON.parse(row.value as string) as JsonValue };
}

export function toEntry(datasetId: DatasetId, row: SqlRow): OplogEntry {
  const entry: OplogEntry = {
    datasetId,
    collection: row.collection as string,
    key: row.key as string,
    op: row.op as OplogOp,
    payload: row.payload as string | null,
    hlc: { wall: Number(row.wall), logic: Number(row.logic), nodeId: row.node as string },
    hash: row.hash as string,
    prevHash: row.prev_hash as string,
  };
  return row.signature === null || row.signature === undefined ? entry : { ...entry, signature: row.signature as string };
}

export function toHead(row: SqlRow): AuthorHead {
  const nodeId = row.node as string;
  return { nodeId, hlc: { wall: Number(row.wall), logic: Number(row.logic), nodeId }, hash: row.hash as string };
}

export function toConfirmation(row: SqlRow): Confirmation {
  return {
    peerId: row.peer_id as string,
    authorId: row.author_id as string,
    hlc: { wall: Number(row.wall), logic: Number(row.logic), nodeId: row.node as string },
    hash: row.hash as string,
    confirmedAt: Number(row.confirmed_at),
  };
}
