import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { OplogEntry } from '../../../src/core/oplog-entry.ts';
import type { AuthorHead } from '../../../src/store/oplog-store.ts';
import { headsOf, type PreparedDocument } from '../../../src/store/validation.ts';
import type { SqliteSession } from './session.ts';

/* Writes shared by several ports; callers run them inside SqliteSession.write. */

const UPSERT_DOCUMENT = `
INSERT INTO documents (dataset_id, collection, key, value, meta, wall, logic, node, deleted)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dataset_id, collection, key) DO UPDATE SET
  value = excluded.value, meta = excluded.meta, wall = excluded.wall, logic = excluded.logic,
  node = excluded.node, deleted = excluded.deleted`;

const INSERT_ENTRY = `
INSERT OR IGNORE INTO oplog (dataset_id, hash, wall, logic, node, collection, key, op, payload, prev_hash, signature)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/* Heads and boundaries only move forward. Both sides share the author, so (wall, logic) decides the HLC order. */
const advanceSql = (table: 'heads' | 'boundaries') => `
INSERT INTO ${table} (dataset_id, node, wall, logic, hash) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (dataset_id, node) DO UPDATE SET wall = excluded.wall, logic = excluded.logic, hash = excluded.hash
WHERE excluded.wall > ${table}.wall OR (excluded.wall = ${table}.wall AND excluded.logic > ${table}.logic)`;
const ADVANCE = { heads: advanceSql('heads'), boundaries: advanceSql('boundaries') };

export function writeDocument(session: SqliteSession, datasetId: DatasetId, p: PreparedDocument): void {
  const { doc } = p;
  session.statement(UPSERT_DOCUMENT).run(datasetId, doc.collection, doc.key, p.valueJson, p.metaJson, doc.hlc.wall, doc.hlc.logic, doc.hlc.nodeId, doc.deleted ? 1 : 0);
}

/** Inserts the entries not stored yet and advances heads from those alone. Returns how many were new. */
export function appendEntries(session: SqliteSession, datasetId: DatasetId, entries: readonly OplogEntry[]): number {
  const insert = session.statement(INSERT_ENTRY);
  const fresh: OplogEntry[] = [];
  for (const e of entries) {
    const { changes } = insert.run(datasetId, e.hash, e.hlc.wall, e.hlc.logic, e.hlc.nodeId, e.collection, e.key, e.op, e.payload, e.prevHash, e.signature ?? null);
    if (changes > 0) fresh.push(e);
  }
  // One upsert per author rather than per entry: the batch's newest entry is all that can matter.
  for (const head of headsOf(fresh).values()) advance(session, 'heads', datasetId, head);
  return fresh.length;
}

/** Returns whether the stored head or boundary moved. */
export function advance(session: SqliteSession, table: 'heads' | 'boundaries', datasetId: DatasetId, head: AuthorHead): boolean {
  return session.statement(ADVANCE[table]).run(datasetId, head.nodeId, head.hlc.wall, head.hlc.logic, head.hash).changes > 0;
}
