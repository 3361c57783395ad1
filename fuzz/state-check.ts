import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import type { DatasetId } from '../src/core/dataset-id.ts';
import type { OplogEntry } from '../src/core/oplog-entry.ts';
import type { HeadInfo } from './forged-entries.ts';
import type { HonestLedger } from './honest-ledger.ts';
import { hexToBytes, utf8, varint } from './wire.ts';

/*
 * Reads the hub's SQLite files directly, read-only, while the hub runs (they are in WAL mode, so a
 * reader in another process sees every committed transaction and never blocks the hub). Reading
 * the files rather than syncing an observer node means nothing the hub holds can hide behind its
 * own sync logic: every row is compared with the honest ledger.
 *
 * Tables: adapters/storage/sqlite/schema.ts. One file per dataset: hub.db holds primary,
 * hub.<dataset>.db the others.
 */

export const HUB_FILES: Readonly<Record<string, string>> = { primary: 'hub.db', logs: 'hub.logs.db', timeseries: 'hub.timeseries.db' };
/** What the hub may create in its data directory: the three dataset files and SQLite's side files. */
const ALLOWED_FILE = /^hub(\.(logs|timeseries))?\.db(-wal|-shm|-journal)?$/;

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

  /** `runDir` is the data directory's parent: nothing may appear there either (path tricks). */
  constructor(
    readonly dataDir: string,
    readonly runDir: string,
  ) {}

  private db(datasetId: DatasetId): Database.Database | undefined {
    const open = this.dbs.get(datasetId);
    if (open) return open;
    const file = HUB_FILES[datasetId];
    if (!file) return undefined;
    try {
      const db = new Database(join(this.dataDir, file), { readonly: true, fileMustExist: true, timeout: 5_000 });
      this.dbs.set(datasetId, db);
      return db;
    } catch {
      // Not created yet: the hub opens a dataset's file when its pipeline starts.
      return undefined;
    }
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
    const parts: string[] = [listFiles(this.dataDir).join(','), listFiles(this.runDir).join(',')];
    for (const ds of Object.keys(HUB_FILES)) {
      const db = this.db(ds);
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
      );
    }
    return parts.join('|');
  }

  /** The hub's head per author: hostile messages link to it, so they would really extend the chain. */
  heads(datasetId: DatasetId): Map<string, HeadInfo> {
    const out = new Map<string, HeadInfo>();
    const db = this.db(datasetId);
    if (!db) return out;
    for (const h of db.prepare('SELECT node, wall, logic, hash FROM heads WHERE dataset_id = ?').all(datasetId) as HeadRow[]) out.set(h.node, { hash: h.hash, wall: h.wall, logic: h.logic });
    return out;
  }

  /** Every row the hub holds that no honest write explains. */
  check(ledger: HonestLedger): Violation[] {
    const out: Violation[] = [];
    for (const name of listFiles(this.dataDir)) {
      if (!ALLOWED_FILE.test(name)) out.push({ id: `file:data/${name}`, table: 'data directory', datasetId: '', category: 'unexpected file in the data directory', problem: `the hub created an unexpected file ${name} in its data directory`, row: { name }, needles: fileNeedles(name) });
    }
    for (const name of listFiles(this.runDir)) {
      if (name !== 'data') out.push({ id: `file:${name}`, table: 'outside the data directory', datasetId: '', category: 'file next to the data directory', problem: `a file ${name} appeared next to the data directory`, row: { name }, needles: fileNeedles(name) });
    }
    for (const ds of Object.keys(HUB_FILES)) {
      const db = this.db(ds);
      // One read transaction per file: every table is read from the same committed state.
      if (db) out.push(...db.transaction(() => checkDataset(db, ds, ledger))());
    }
    return out;
  }
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
    if (!ledger.authenticatedIds.has(p.peer_id)) {
      out.push({ id: `peer:${ds}:${p.peer_id}`, table: 'peers', datasetId: ds, category: 'peer tracked without presenting the right token', problem: `peer ${p.peer_id} is tracked but never presented the right token`, row: p, needles: [utf8(p.peer_id)] });
    }
  }
  for (const c of db.prepare('SELECT dataset_id, peer_id, author_id, wall, logic, hash FROM confirmations').all() as { dataset_id: string; peer_id: string; author_id: string; wall: number; logic: number; hash: string }[]) {
    const known = ledger.has(ds, c.hash) || stored.has(`${ds}\u0000${c.hash}`);
    if (!ledger.authenticatedIds.has(c.peer_id) || !known) {
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

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** The dataset part of an unexpected file name (`hub.<id>.db`): what a frame would have carried. */
function fileNeedles(name: string): Uint8Array[] {
  const m = /^hub\.(.+?)\.db/.exec(name);
  return m ? [utf8(m[1]!)] : [utf8(name)];
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
