import type { StoredDocument } from '../../../src/core/document.ts';
import type { OplogEntry } from '../../../src/core/oplog-entry.ts';
import type { AuthorHead } from '../../../src/store/oplog-store.ts';
import { assertCollection, assertKey } from '../../../src/core/names.ts';
import type { ResolveInTransaction } from '../../../src/store/document-store.ts';
import { headsOf, prepareDocument, type PreparedDocument } from '../../../src/store/validation.ts';
import type { DatasetSchema, Query } from './dataset-schema.ts';
import { DOCUMENT_COLUMNS, toDocument, toHead } from './rows.ts';
import { commitNotices } from './commit-notices.ts';

/*
 * Writes shared by several ports; callers run them inside DatasetSchema.write. Rows travel as one
 * JSON parameter expanded by json_to_recordset: one prepared statement serves any row count, and a
 * batch costs one round trip however large it is.
 */

const DOCUMENT_RECORD = 'r(c text, k text, v text, j boolean, m text, w bigint, l integer, n text, d boolean)';
const ENTRY_RECORD = 'r(h text, w bigint, l integer, n text, c text, k text, o text, p text, ph text, sg text)';
const HEAD_RECORD = 'r(n text, w bigint, l integer, h text)';
const REF_RECORD = 'r(c text, k text)';
/** A power of two: see lockDocuments. */
const LOCK_SLOTS = 64;

/** JSONB cannot hold U+0000 inside a string: such values stay JSON text (see schema.ts). */
const fitsJsonb = (json: string) => !json.includes('\\u0000');

export async function writeDocuments(q: Query, ds: DatasetSchema, documents: readonly PreparedDocument[]): Promise<void> {
  if (documents.length === 0) return;
  // One row per key: an upsert may not touch the same row twice, and the last state given wins,
  // as it would written one by one.
  const byKey = new Map<string, PreparedDocument>();
  for (const d of documents) byKey.set(`${d.doc.collection}\u0000${d.doc.key}`, d);
  const rows = [...byKey.values()].map(({ doc, valueJson, metaJson }) => ({
    c: doc.collection,
    k: doc.key,
    v: valueJson,
    j: valueJson !== null && fitsJsonb(valueJson),
    m: metaJson,
    w: doc.hlc.wall,
    l: doc.hlc.logic,
    n: doc.hlc.nodeId,
    d: doc.deleted,
  }));
  await q(
    `INSERT INTO ${ds.s}.documents (${ds.column}collection, key, value, value_text, meta, wall, logic, node, deleted)
     SELECT ${ds.value(2)}c, k, CASE WHEN j THEN v::jsonb END, CASE WHEN j THEN NULL ELSE v END, m, w, l, n, d FROM json_to_recordset($1::text::json) AS ${DOCUMENT_RECORD}
     ON CONFLICT (${ds.column}collection, key) DO UPDATE SET value = excluded.value, value_text = excluded.value_text, meta = excluded.meta,
       wall = excluded.wall, logic = excluded.logic, node = excluded.node, deleted = excluded.deleted`,
    ds.args([JSON.stringify(rows)]),
  );
}

/**
 * The stored rows of `refs`, locked against other writers for the rest of the transaction. Locks
 * are advisory, on LOCK_SLOTS slots per dataset (instances included: see lockName) that keys hash into, taken in one sorted order by
 * every writer: unlike row locks they also cover rows that do not exist yet, and a batch of any
 * size holds at most LOCK_SLOTS of them, so the server's shared lock table cannot run out however
 * large batches get or however many hubs write. Small writes of different keys still run side by side.
 */
export async function lockDocuments(q: Query, ds: DatasetSchema, refs: readonly { collection: string; key: string }[]): Promise<Map<string, StoredDocument>> {
  const json = JSON.stringify(refs.map((r) => ({ c: r.collection, k: r.key })));
  const [, rows] = await Promise.all([
    q(
      `SELECT pg_advisory_xact_lock(hashtextextended($2, slot)) FROM (SELECT DISTINCT hashtextextended(c || chr(31) || k, 0) & ${LOCK_SLOTS - 1} AS slot FROM json_to_recordset($1::text::json) AS ${REF_RECORD} ORDER BY 1) slots`,
      [json, `sluice documents ${ds.lockName}`],
    ),
    q(`SELECT ${DOCUMENT_COLUMNS} FROM ${ds.s}.documents JOIN (SELECT DISTINCT c, k FROM json_to_recordset($1::text::json) AS ${REF_RECORD}) r ON collection = r.c AND key = r.k${ds.rowsOf(2)}`, ds.args([json])),
  ]);
  const found = new Map<string, StoredDocument>();
  for (const row of rows) {
    const doc = toDocument(row);
    found.set(`${doc.collection}\u0000${doc.key}`, doc);
  }
  return found;
}

/**
 * Resolves documents inside the transaction (ApplyBatch.resolveDocuments): the rows are locked
 * and read, resolved by the caller, and written, so no other writer's update falls in between.
 */
export async function resolveAndWrite(q: Query, ds: DatasetSchema, given: readonly PreparedDocument[], inTransaction: ResolveInTransaction, maxPayloadBytes: number): Promise<number> {
  const refs = inTransaction.refs.map((r) => ({ collection: assertCollection(r.collection), key: assertKey(r.key) }));
  const stored = refs.length === 0 ? new Map<string, StoredDocument>() : await lockDocuments(q, ds, refs);
  // Validated like any document given to the adapter: a resolver may return anything.
  const resolved = inTransaction.resolve(refs.map((r) => stored.get(`${r.collection}\u0000${r.key}`))).map((d) => prepareDocument(d, maxPayloadBytes));
  await writeDocuments(q, ds, [...given, ...resolved]);
  return given.length + resolved.length;
}

/**
 * Inserts the entries not stored yet, advances heads and announces the commit to the other
 * writers (delivered by the server when, and only if, the transaction commits). Returns how many
 * entries were new.
 */
export async function appendEntries(q: Query, ds: DatasetSchema, writerId: string, entries: readonly OplogEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const rows = entries.map((e) => ({ h: e.hash, w: e.hlc.wall, l: e.hlc.logic, n: e.hlc.nodeId, c: e.collection, k: e.key, o: e.op, p: e.payload, ph: e.prevHash, sg: e.signature ?? null }));
  // An instance shares its name's channel, so its notices name it; a dataset of its own is its channel.
  const notices = commitNotices(writerId, entries, ds.partitioned ? ds.datasetId : undefined).map((payload) => q("SELECT pg_notify($1, $2)", [ds.channel, payload]));
  const [inserted] = await Promise.all([
    q(
      `WITH ins AS (
         INSERT INTO ${ds.s}.oplog (${ds.column}hash, wall, logic, node, collection, key, op, payload, prev_hash, signature)
         SELECT ${ds.value(2)}h, w, l, n, c, k, o, p, ph, sg FROM json_to_recordset($1::text::json) AS ${ENTRY_RECORD}
         ON CONFLICT (${ds.column}hash) DO NOTHING RETURNING 1)
       SELECT count(*)::integer AS n FROM ins`,
      ds.args([JSON.stringify(rows)]),
    ),
    // Heads only move forward, so an entry that was already stored leaves its author's head alone.
    advance(q, ds, 'heads', [...headsOf(entries).values()]),
    ...notices,
  ]);
  return Number(inserted[0]!.n);
}

/**
 * Moves heads or boundaries forward to `heads` (one per author), never back: the condition is
 * evaluated against the row as it stands at the write, so a concurrent writer cannot be overtaken.
 * Returns the ones that moved.
 */
export async function advance(q: Query, ds: DatasetSchema, table: 'heads' | 'boundaries', heads: readonly AuthorHead[]): Promise<AuthorHead[]> {
  if (heads.length === 0) return [];
  const newest = new Map<string, AuthorHead>();
  for (const h of heads) {
    const known = newest.get(h.nodeId);
    if (known === undefined || h.hlc.wall > known.hlc.wall || (h.hlc.wall === known.hlc.wall && h.hlc.logic > known.hlc.logic)) newest.set(h.nodeId, h);
  }
  const rows = [...newest.values()].map((h) => ({ n: h.nodeId, w: h.hlc.wall, l: h.hlc.logic, h: h.hash }));
  const moved = await q(
    `INSERT INTO ${ds.s}.${table} (${ds.column}node, wall, logic, hash) SELECT ${ds.value(2)}n, w, l, h FROM json_to_recordset($1::text::json) AS ${HEAD_RECORD}
     ON CONFLICT (${ds.column}node) DO UPDATE SET wall = excluded.wall, logic = excluded.logic, hash = excluded.hash
     WHERE (excluded.wall, excluded.logic) > (${table}.wall, ${table}.logic)
     RETURNING node, wall, logic, hash`,
    ds.args([JSON.stringify(rows)]),
  );
  return moved.map(toHead);
}
