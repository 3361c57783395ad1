import type { DatasetId } from '../../../src/core/dataset-id.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import { utf8Length } from '../../../src/core/json.ts';
import type { OplogEntry } from '../../../src/core/oplog-entry.ts';
import type { AuthorHead } from '../../../src/store/oplog-store.ts';
import { headsOf, type PreparedDocument } from '../../../src/store/validation.ts';
import type { SqliteValue } from './driver.ts';
import type { SqliteSession } from './session.ts';

/* Writes shared by several ports; callers run them inside SqliteSession.write. */

/*
 * Batches are written with multi-row statements: one statement per ROWS rows rather than per row
 * cuts the per-statement cost (a driver call, a bind, a step) that dominates a batch's CPU time.
 * ROWS × 11 parameters stays far below SQLite's limit of 32,766 bound variables; engines with a
 * lower limit (Durable Objects: 100) get as many rows as fit.
 */
const ROWS = 64;

function rowsPerStatement(session: SqliteSession, columns: number): number {
  const max = session.limits?.parameters;
  return max === undefined ? ROWS : Math.max(1, Math.min(ROWS, Math.floor(max / columns)));
}

const rowsSql = (head: string, columns: number, rows: number, tail = '') =>
  `${head} VALUES ${Array.from({ length: rows }, () => `(${'?, '.repeat(columns - 1)}?)`).join(', ')}${tail}`;

/** The SQL per row count, built once (the session caches the prepared statement by its text). */
function memo(build: (rows: number) => string): (rows: number) => string {
  const cache = new Map<number, string>();
  return (rows) => {
    let sql = cache.get(rows);
    if (sql === undefined) cache.set(rows, (sql = build(rows)));
    return sql;
  };
}

const upsertDocuments = memo((rows) =>
  rowsSql(
    'INSERT INTO documents (dataset_id, collection, key, value, meta, wall, logic, node, deleted)',
    9,
    rows,
    `
ON CONFLICT (dataset_id, collection, key) DO UPDATE SET
  value = excluded.value, meta = excluded.meta, wall = excluded.wall, logic = excluded.logic,
  node = excluded.node, deleted = excluded.deleted`,
  ),
);

const insertEntries = memo((rows) => rowsSql('INSERT OR IGNORE INTO oplog (dataset_id, hash, wall, logic, node, collection, key, op, payload, prev_hash, signature)', 11, rows));

/* Heads and boundaries only move forward. Both sides share the author, so (wall, logic) decides the HLC order. */
const advanceSql = (table: 'heads' | 'boundaries') => `
INSERT INTO ${table} (dataset_id, node, wall, logic, hash) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (dataset_id, node) DO UPDATE SET wall = excluded.wall, logic = excluded.logic, hash = excluded.hash
WHERE excluded.wall > ${table}.wall OR (excluded.wall = ${table}.wall AND excluded.logic > ${table}.logic)`;
const ADVANCE = { heads: advanceSql('heads'), boundaries: advanceSql('boundaries') };

export function writeDocument(session: SqliteSession, datasetId: DatasetId, p: PreparedDocument): void {
  writeDocuments(session, datasetId, [p]);
}

export function writeDocuments(session: SqliteSession, datasetId: DatasetId, documents: readonly PreparedDocument[]): void {
  const rowLimit = session.limits?.rowBytes;
  for (const chunk of chunks(documents, rowsPerStatement(session, 9))) {
    const params: SqliteValue[] = [];
    for (const { doc, valueJson, metaJson } of chunk) {
      // The value is within maxPayloadBytes, but resolver metadata (json-merge keeps a clock tree
      // of the value) is not bounded by it, and both share the row.
      if (rowLimit !== undefined) assertRowFits(rowLimit, [doc.collection, doc.key, valueJson, metaJson, doc.hlc.nodeId], () => `document ${doc.collection}/${doc.key}`);
      params.push(datasetId, doc.collection, doc.key, valueJson, metaJson, doc.hlc.wall, doc.hlc.logic, doc.hlc.nodeId, doc.deleted ? 1 : 0);
    }
    session.statement(upsertDocuments(chunk.length)).run(...params);
  }
}

/** Inserts the entries not stored yet and advances heads. Returns how many were new. */
export function appendEntries(session: SqliteSession, datasetId: DatasetId, entries: readonly OplogEntry[]): number {
  let inserted = 0;
  const rowLimit = session.limits?.rowBytes;
  for (const chunk of chunks(entries, rowsPerStatement(session, 11))) {
    const params: SqliteValue[] = [];
    for (const e of chunk) {
      if (rowLimit !== undefined) assertRowFits(rowLimit, [e.payload, e.collection, e.key, e.hash, e.prevHash, e.signature ?? null, e.hlc.nodeId], () => `entry ${e.hash}`);
      params.push(datasetId, e.hash, e.hlc.wall, e.hlc.logic, e.hlc.nodeId, e.collection, e.key, e.op, e.payload, e.prevHash, e.signature ?? null);
    }
    inserted += session.statement(insertEntries(chunk.length)).run(...params).changes;
  }
  // One upsert per author: heads only move forward, so an entry that was already stored (and so is
  // at or behind its author's head) leaves the head where it is.
  for (const head of headsOf(entries).values()) advance(session, 'heads', datasetId, head);
  return inserted;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Room for the integer columns, the dataset id and SQLite's record header. */
const ROW_OVERHEAD_BYTES = 1024;

/**
 * On engines with a row limit, refuses a row that would exceed it as payload_too_large, before
 * the engine fails the whole transaction with a bare "string or blob too big".
 */
export function assertRowFits(limit: number, texts: readonly (string | null)[], what: () => string): void {
  let bound = ROW_OVERHEAD_BYTES;
  for (const t of texts) if (t !== null) bound += t.length * 3;
  if (bound <= limit) return;
  let size = ROW_OVERHEAD_BYTES;
  for (const t of texts) if (t !== null) size += utf8Length(t);
  if (size > limit) {
    throw new SluiceError(
      'payload_too_large',
      `The row of ${what()} would take about ${size} bytes, over the ${limit}-byte row limit of this SQLite engine: store less in one document (its value and resolver metadata share the row).`,
      { size, limit },
    );
  }
}

/** Returns whether the stored head or boundary moved. */
export function advance(session: SqliteSession, table: 'heads' | 'boundaries', datasetId: DatasetId, head: AuthorHead): boolean {
  return session.statement(ADVANCE[table]).run(datasetId, head.nodeId, head.hlc.wall, head.hlc.logic, head.hash).changes > 0;
}
