import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import type { DatasetId } from '../src/core/dataset-id.ts';
import type { OplogEntry } from '../src/core/oplog-entry.ts';
import type { HeadInfo } from './forged-entries.ts';
import type { HonestLedger } from './honest-ledger.ts';
import type { StorageLayout } from './storage-layout.ts';
import { hexToBytes, utf8, varint } from './wire.ts';

/*
 * Reads the hub's SQLite files directly, read-only, while the hub runs (they are in WAL mode, so a
 * reader in another process sees every committed transaction and never blocks the hub). Reading
 * the files rather than syncing an observer node means nothing the hub holds can hide behind its
 * own sync logic: every row is compared with the honest ledger.
 *
 * Tables: adapters/storage/sqlite/schema.ts. One file per dataset; which file holds which dataset,
 * and what else may exist next to them, is the hub's StorageLayout (storage-layout.ts for a Node
 * hub, edge-storage.ts for the edge hub's objects).
 */

/** sluice's own tables (schema.ts), and sluice_schema where the engine refuses PRAGMA user_version. */
const SLUICE_TABLES = /^(documents|oplog|heads|boundaries|peers|confirmations|checkpoints|sluice_schema|sqlite_\w+)$/;

/** Checkpoints the hub writes for itself: its identity, and its signing key per dataset. */
const NODE_ID_CHECKPOINT = 'sluice:node-id';
const SIGNING_KEY_CHECKPOINT = 'sluice:signing-key';
/** Keys pinned per author: an authenticated handshake pins the key it presents (signatures.ts). */
const PINNED_PREFIX = 'sluice:author-keys:';

export interface Violation {
  /** Stable across checks, so a bad row is reported once, when it first appears. */
  readonly id: string;
  readonly table: string;
  readonly datasetId: string;
  /** What is wrong, in words that do not depend on the row: failures are grouped by it. */
  readonly category: string;
  readonly problem: string;
  readonly row: Readonly<Record<string, unknown>>;
  /** Byte strings to look for in what the fuzzer sent, to find the frame that caused it. */
  readonly needles: readonly Uint8Array[];
}

type OplogRow = {
  dataset_id: string;
  hash: string;
  wall: number;
  logic: number;
  node: string;
  collection: string;
  key: string;
  op: string;
  payload: string | null;
  prev_hash: string;
};

type DocumentRow = {
  dataset_id: string;
  collection: string;
  key: string;
  value: string | null;
  wall: number;
  logic: number;
  node: string;
  deleted: number;
};

type HeadRow = {
  dataset_id: string;
  node: string;
  wall: number;
  logic: number;
  hash: string;
};

export class HubStateReader {
  private readonly dbs = new Map<DatasetId, Database.Database>();
  /** The hub's own checkpoints as first seen: its identity and keys must not change under attack. */
  private readonly own = new Map<string, string>();

  constructor(readonly layout: StorageLayout) {}

  private db(datasetId: DatasetId): Database.Database | undefined {
    const open = this.dbs.get(datasetId);
    if (open) return open;
    const file = this.layout.fileOf(datasetId);
    if (!file) return undefined;
    try {
      const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5_000 });
      this.dbs.set(datasetId, db);
      return db;
    } catch {
      // Not created yet: the hub opens a dataset's file when its pipeline starts.
      return undefined;
    }
  }

  /** The file once the hub has created sluice's tables in it (an edge object's file exists first). */
  private ready(datasetId: DatasetId): Database.Database | undefined {
    const db = this.db(datasetId);
    return db && db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'oplog'").get() !== undefined ? db : undefined;
  }

  /** Drops the connections (after a hub restart, the files are reopened fresh). */
  close(): void {
    for (const db of this.dbs.values()) db.close();
    this.dbs.clear();
  }

  /**
   * A cheap summary of everything the check looks at. It is taken after every case: when it
   * changes, the full check runs at once, so a violation is tied to the case that caused it.
   */
  fingerprint(): string {
    const parts: string[] = [this.layout.listing()];
    for (const ds of this.layout.datasets) {
      const db = this.ready(ds);
      if (!db) {
        parts.push(`${ds}:-`);
        continue;
      }
      const one = (sql: string) => JSON.stringify(db.prepare(sql).get());
      parts.push(
        ds,
        one('SELECT count(*) c, coalesce(max(rowid), 0) m FROM oplog'),
        one('SELECT count(*) c, total(wall) w, total(logic) l, total(deleted) d, total(length(value)) v FROM documents'),
        one("SELECT count(*) c, group_concat(hash, '') h FROM heads"),
        one("SELECT count(*) c, group_concat(hash, '') h FROM boundaries"),
        one("SELECT count(*) c, group_concat(peer_id, ',') p FROM peers"),
        one('SELECT count(*) c, total(wall) w, total(logic) l FROM confirmations'),
        one("SELECT count(*) c, group_concat(name, ',') n, total(length(value)) v FROM checkpoints"),
        one("SELECT count(*) c, group_concat(name, ',') n FROM sqlite_master WHERE type = 'table'"),
      );
    }
    return parts.join('|');
  }

  /** The hub's head per author: hostile messages link to it, so they would really extend the chain. */
  heads(datasetId: DatasetId): Map<string, HeadInfo> {
    const out = new Map<string, HeadInfo>();
    const db = this.ready(datasetId);
    if (!db) return out;
    for (const h of db.prepare('SELECT node, wall, logic, hash FROM heads WHERE dataset_id = ?').all(datasetId) as HeadRow[]) out.set(h.node, { hash: h.hash, wall: h.wall, logic: h.logic });
    return out;
  }

  /** Every row the hub holds that no honest write explains. */
  check(ledger: HonestLedger): Violation[] {
    const out: Violation[] = [...this.layout.strayFiles()];
    for (const ds of this.layout.datasets) {
      const db = this.ready(ds);
      // One read transaction per file: every table is read from the same committed state.
      if (db) {
        out.push(
          ...db.transaction(() => [
            ...checkDataset(db, ds, ledger),
            ...this.checkCheckpoints(db, ds, ledger),
            ...checkTables(db, ds, this.layout),
            ...(this.layout.checkEngineTables?.(db, ds) ?? []),
          ])(),
        );
      }
    }
    return out;
  }

  /**
   * Checkpoints hold the hub's own node id and signing keys, and the keys it pinned per author.
   * The hub writes its own once and keeps them; a pin is only for a node that presented the right
   * token. Anything else in there came from input the hub should have refused.
   */
  private checkCheckpoints(db: Database.Database, ds: DatasetId, ledger: HonestLedger): Violation[] {
    const out: Violation[] = [];
    for (const c of db.prepare('SELECT dataset_id, name, value FROM checkpoints').all() as { dataset_id: string; name: string; value: string }[]) {
      const row = { ...c, value: c.name === SIGNING_KEY_CHECKPOINT ? '(the hub\'s private key)' : preview(c.value) };
      const bad = (category: string, problem: string, needles: Uint8Array[] = [utf8(c.name)]) =>
        out.push({ id: `checkpoint:${ds}:${c.dataset_id}:${c.name}:${c.value.length}:${c.value.slice(0, 80)}`, table: 'checkpoints', datasetId: ds, category, problem, row, needles });
      if (c.name === NODE_ID_CHECKPOINT || c.name === SIGNING_KEY_CHECKPOINT) {
        const home = c.name === NODE_ID_CHECKPOINT ? 'primary' : ds;
        if (c.dataset_id !== home || (c.name === NODE_ID_CHECKPOINT && !this.layout.holdsNodeId(ds))) {
          bad('hub checkpoint in the wrong place', `${c.name} of dataset ${JSON.stringify(c.dataset_id)} in ${ds}'s file`);
          continue;
        }
        const key = `${ds}\u0000${c.dataset_id}\u0000${c.name}`;
        const first = this.own.get(key);
        if (first === undefined) this.own.set(key, c.value);
        else if (first !== c.value) bad("the hub's own identity or key changed", `${c.name} of ${ds} changed during the run`);
      } else if (c.name.startsWith(PINNED_PREFIX)) {
        const author = c.name.slice(PINNED_PREFIX.length);
        const keys = parse(c.value);
        if (c.dataset_id !== ds) bad('row of another dataset', `a key pinned for ${author} in dataset ${JSON.stringify(c.dataset_id)}, in ${ds}'s file`, [utf8(author)]);
        else if (!ledger.authenticatedIds.has(author)) bad('key pinned for a node without the right token', `a key is pinned for ${author}, which never presented the right token`, [utf8(author)]);
        else if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) bad('pinned keys that are not a list of keys', `the keys pinned for ${author} are ${preview(c.value)}`, [utf8(author)]);
      } else {
        bad('checkpoint no honest exchange explains', `checkpoint ${JSON.stringify(c.name).slice(0, 80)} of dataset ${JSON.stringify(c.dataset_id).slice(0, 40)}`);
      }
    }
    return out;
  }
}

/** Tables other than sluice's and the engine's own: nothing in a frame may create one. */
function checkTables(db: Database.Database, ds: DatasetId, layout: StorageLayout): Violation[] {
  const out: Violation[] = [];
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]) {
    if (SLUICE_TABLES.test(name) || layout.engineTables.test(name)) continue;
    out.push({ id: `table:${ds}:${name}`, table: 'sqlite_master', datasetId: ds, category: 'unexpected table', problem: `a table ${JSON.stringify(name).slice(0, 80)} in ${ds}'s file`, row: { name }, needles: [utf8(name)] });
  }
  return out;
}

function checkDataset(db: Database.Database, ds: DatasetId, ledger: HonestLedger): Violation[] {
  const out: Violation[] = [];
  const oplog = db.prepare('SELECT dataset_id, hash, wall, logic, node, collection, key, op, payload, prev_hash FROM oplog').all() as OplogRow[];
  const stored = new Set(oplog.map((r) => `${r.dataset_id}\u0000${r.hash}`));
  // The entry behind each document version, when the hub holds it: its hash is the best needle.
  const entryOfVersion = new Map(oplog.map((r) => [versionKey(r.collection, r.key, r.wall, r.logic, r.node), r.hash]));
  for (const r of oplog) {
    const honest = ledger.get(ds, r.hash);
    const row = { ...r, payload: preview(r.payload) };
    const needles = [hexToBytes(r.hash), utf8(r.hash), ...(r.key.startsWith('fz-') ? [utf8(r.key)] : [])];
    if (r.dataset_id !== ds) {
      out.push({ id: `oplog:${ds}:${r.dataset_id}:${r.hash}`, table: 'oplog', datasetId: ds, category: 'row of another dataset', problem: `a row of dataset ${JSON.stringify(r.dataset_id)} in ${ds}'s file`, row, needles });
    } else if (!honest) {
      const problem = ledger.authors.has(r.node)
        ? `entry in the name of honest node ${r.node} that it never wrote (forged author or forged history)`
        : `entry authored by ${r.node}, which is not an honest client: it came from the fuzzer`;
      const category = ledger.authors.has(r.node) ? "entry in an honest node's name that it never wrote" : 'entry by an author that is not an honest client';
      out.push({ id: `oplog:${ds}:${r.hash}`, table: 'oplog', datasetId: ds, category, problem, row, needles });
    } else if (!sameEntry(r, honest)) {
      out.push({ id: `oplog:${ds}:${r.hash}:differs`, table: 'oplog', datasetId: ds, category: 'entry content differs from the honest write', problem: 'entry stored with content other than the honest node wrote under this hash', row, needles });
    }
  }

  // Documents must each be the state some honest entry produced.
  const byVersion = new Map<string, OplogEntry>();
  for (const e of ledger.all(ds)) byVersion.set(versionKey(e.collection, e.key, e.hlc.wall, e.hlc.logic, e.hlc.nodeId), e);
  for (const d of db.prepare('SELECT dataset_id, collection, key, value, wall, logic, node, deleted FROM documents').all() as DocumentRow[]) {
    const e = byVersion.get(versionKey(d.collection, d.key, d.wall, d.logic, d.node));
    const id = `doc:${ds}:${d.collection}:${d.key}:${d.wall}:${d.logic}:${d.node}`;
    const row = { ...d, value: preview(d.value) };
    const hash = entryOfVersion.get(versionKey(d.collection, d.key, d.wall, d.logic, d.node));
    const needles = [...(hash ? [hexToBytes(hash), utf8(hash)] : []), utf8(`"wall":${d.wall}`), ...(d.key.startsWith('fz-') ? [utf8(d.key)] : []), varint(d.wall)];
    if (d.dataset_id !== ds) {
      out.push({ id, table: 'documents', datasetId: ds, category: 'row of another dataset', problem: `a document of dataset ${JSON.stringify(d.dataset_id)} in ${ds}'s file`, row, needles });
    } else if (!e) {
      out.push({ id, table: 'documents', datasetId: ds, category: 'document version no honest client wrote', problem: `document version ${d.collection}/${d.key} @ ${d.wall}.${d.logic} by ${d.node} was not written by an honest client`, row, needles });
    } else if ((d.deleted === 1) !== (e.op === 'delete') || (d.deleted === 0 && !isDeepStrictEqual(parse(d.value), parse(e.payload)))) {
      out.push({ id: `${id}:differs`, table: 'documents', datasetId: ds, category: 'document value differs from the honest write', problem: 'document value differs from the honest write of that version', row, needles });
    }
  }

  // Heads and prune boundaries must point at honest entries, with their timestamps.
  for (const table of ['heads', 'boundaries'] as const) {
    for (const h of db.prepare(`SELECT dataset_id, node, wall, logic, hash FROM ${table}`).all() as HeadRow[]) {
      const e = ledger.get(ds, h.hash);
      const ok = h.dataset_id === ds && e !== undefined && e.hlc.nodeId === h.node && e.hlc.wall === h.wall && e.hlc.logic === h.logic;
      if (!ok) {
        out.push({
          id: `${table}:${ds}:${h.node}:${h.hash}:${h.wall}:${h.logic}`,
          table,
          datasetId: ds,
          category: e ? 'disagrees with the honest entry it names' : 'points at an entry no honest client wrote',
          problem: e ? `${table} row for ${h.node} disagrees with the honest entry ${h.hash.slice(0, 12)}…` : `${table} row for ${h.node} points at ${h.hash.slice(0, 12)}…, which no honest client wrote`,
          row: h,
          needles: [utf8(h.hash), hexToBytes(h.hash), utf8(`"wall":${h.wall}`)],
        });
      }
    }
  }

  // Only nodes that presented the right token may be tracked as peers or confirm anything.
  for (const p of db.prepare('SELECT dataset_id, peer_id FROM peers').all() as { dataset_id: string; peer_id: string }[]) {
    if (p.dataset_id !== ds) {
      out.push({ id: `peer:${ds}:${p.dataset_id}:${p.peer_id}`, table: 'peers', datasetId: ds, category: 'row of another dataset', problem: `peer ${p.peer_id} of dataset ${JSON.stringify(p.dataset_id)} in ${ds}'s file`, row: p, needles: [utf8(p.dataset_id)] });
    } else if (!ledger.authenticatedIds.has(p.peer_id)) {
      out.push({ id: `peer:${ds}:${p.peer_id}`, table: 'peers', datasetId: ds, category: 'peer tracked without presenting the right token', problem: `peer ${p.peer_id} is tracked but never presented the right token`, row: p, needles: [utf8(p.peer_id)] });
    }
  }
  for (const c of db.prepare('SELECT dataset_id, peer_id, author_id, wall, logic, hash FROM confirmations').all() as { dataset_id: string; peer_id: string; author_id: string; wall: number; logic: number; hash: string }[]) {
    const known = ledger.has(ds, c.hash) || stored.has(`${ds}\u0000${c.hash}`);
    if (c.dataset_id !== ds) {
      out.push({ id: `confirmation:${ds}:${c.dataset_id}:${c.peer_id}:${c.author_id}:${c.hash}`, table: 'confirmations', datasetId: ds, category: 'row of another dataset', problem: `confirmation of dataset ${JSON.stringify(c.dataset_id)} in ${ds}'s file`, row: c, needles: [utf8(c.dataset_id)] });
    } else if (!ledger.authenticatedIds.has(c.peer_id) || !known) {
      out.push({
        id: `confirmation:${ds}:${c.peer_id}:${c.author_id}:${c.hash}`,
        table: 'confirmations',
        datasetId: ds,
        category: !known ? 'confirmation of an entry the hub does not hold' : 'confirmation by a peer without the right token',
        problem: !known ? `confirmation by ${c.peer_id} of ${c.hash.slice(0, 12)}…, an entry the hub does not hold` : `confirmation by ${c.peer_id}, which never presented the right token`,
        row: c,
        // Honest node ids are in every replayed handshake: only a fuzzer-made id says which case it was.
        needles: [hexToBytes(c.hash), utf8(c.hash), ...(ledger.authors.has(c.peer_id) ? [] : [utf8(c.peer_id)])],
      });
    }
  }
  return out;
}

function sameEntry(r: OplogRow, e: OplogEntry): boolean {
  return r.node === e.hlc.nodeId && r.wall === e.hlc.wall && r.logic === e.hlc.logic && r.collection === e.collection && r.key === e.key && r.op === e.op && r.payload === e.payload && r.prev_hash === e.prevHash;
}

function versionKey(collection: string, key: string, wall: number, logic: number, node: string): string {
  return `${collection}\u0000${key}\u0000${wall}\u0000${logic}\u0000${node}`;
}

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { unparsable: text };
  }
}

function preview(text: string | null): string | null {
  if (text === null) return null;
  return text.length > 300 ? `${text.slice(0, 300)}…(${text.length} chars)` : text;
}
