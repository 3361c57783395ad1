import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { StoredDocument } from '../../../src/core/document.ts';
import type { JsonValue } from '../../../src/core/json.ts';
import type { OplogEntry, OplogOp } from '../../../src/core/oplog-entry.ts';
import type { AuthorHead } from '../../../src/store/oplog-store.ts';

/*
 * Column lists and row decoders shared by the ports. bigint columns go through Number(): the
 * client hands them back as strings (or bigint, if the app configured its own client so), and
 * every stored one was a safe integer when it was written.
 */

export type PgRow = Record<string, unknown>;

/** The value as JSON text, whichever column holds it. */
export const DOCUMENT_COLUMNS = 'collection, key, coalesce(value_text, value::text) AS value, meta, wall, logic, node, deleted';
export const ENTRY_COLUMNS = 'hash, wall, logic, node, collection, key, op, payload, prev_hash, signature';
export const HEAD_COLUMNS = 'node, wall, logic, hash';

export function toDocument(row: PgRow): StoredDocument {
  return {
    collection: row.collection as string,
    key: row.key as string,
    value: row.value === null ? null : (JSON.parse(row.value as string) as JsonValue),
    hlc: { wall: Number(row.wall), logic: Number(row.logic), nodeId: row.node as string },
    deleted: row.deleted === true,
    meta: row.meta === null ? null : (JSON.parse(row.meta as string) as JsonValue),
  };
}

export function toEntry(datasetId: DatasetId, row: PgRow): OplogEntry {
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

export function toHead(row: PgRow): AuthorHead {
  const nodeId = row.node as string;
  return { nodeId, hlc: { wall: Number(row.wall), logic: Number(row.logic), nodeId }, hash: row.hash as string };
}
