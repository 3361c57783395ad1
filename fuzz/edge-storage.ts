import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DatasetId } from '../src/core/dataset-id.ts';
import type { Violation } from './state-check.ts';
import { listFiles, strayFile, type StorageLayout } from './storage-layout.ts';
import { utf8 } from './wire.ts';

/*
 * Where the edge hub keeps its state: Miniflare persists each Durable Object's SQLite database as
 * `<persist>/<worker>-<class>/<object id>.sqlite` (with -wal and -shm: workerd runs it in WAL mode
 * with ordinary file locks, so the state check reads it while workerd writes, just as it reads a
 * Node hub's files), next to `metadata.sqlite`, where workerd keeps the objects' alarms.
 *
 * One object per dataset: the object for dataset d is idFromName(d), so each dataset's rows are in
 * the file named for that id. Besides sluice's tables an object's file holds workerd's own (_cf_*):
 * _cf_KV is the object's key-value storage, where SluiceHubObject notes which dataset it serves
 * (and for which tenant: none, as the example Worker names no tenants).
 */

/** The class the example Worker binds as SLUICE_HUB; Miniflare names its directory `<worker name>-<class>`. */
const OBJECT_DIR = /^.*-SluiceHubObject$/;
const OBJECT_FILE = /^([0-9a-f]{64})\.sqlite(-wal|-shm|-journal)?$/;
const METADATA_FILE = /^metadata\.sqlite(-wal|-shm|-journal)?$/;
/** What SluiceHubObject keeps in its key-value storage (hub-object.ts), as a function of its dataset; nothing else belongs there. */
const OWN_KEYS: Readonly<Record<string, (datasetId: DatasetId) => string>> = {
  'sluice:dataset': (datasetId) => datasetId,
  'sluice:tenant': () => '',
};

/**
 * `objectIds` maps each served dataset to its object's id. An object file for any other id is a
 * stray unless it holds no table at all: workerd creates an object's file when a request first
 * reaches it, even one the object refuses without writing anything.
 */
export function edgeHubLayout(persistDir: string, runDir: string, objectIds: Readonly<Record<DatasetId, string>>): StorageLayout {
  const datasets = Object.keys(objectIds);
  const datasetOf = new Map(Object.entries(objectIds).map(([ds, id]) => [id, ds]));
  const objectDirs = () => listFiles(persistDir).filter((name) => OBJECT_DIR.test(name) && isDirectory(join(persistDir, name)));
  const fileOf = (datasetId: DatasetId): string | undefined => {
    const id = objectIds[datasetId];
    if (id === undefined) return undefined;
    for (const dir of objectDirs()) if (listFiles(join(persistDir, dir)).includes(`${id}.sqlite`)) return join(persistDir, dir, `${id}.sqlite`);
    return undefined;
  };
  return {
    datasets,
    fileOf,
    listing: () => [listFiles(runDir).join(','), listFiles(persistDir).join(','), ...objectDirs().map((dir) => `${dir}:${listFiles(join(persistDir, dir)).join(',')}`)].join('|'),
    strayFiles: () => {
      const out: Violation[] = [];
      for (const name of listFiles(runDir)) {
        if (join(runDir, name) !== persistDir) out.push(strayFile(`file:${name}`, 'outside the persist directory', 'file next to the persist directory', `a file ${name} appeared next to the objects' persist directory`, name, [utf8(name)]));
      }
      const dirs = objectDirs();
      for (const name of listFiles(persistDir)) {
        if (!dirs.includes(name)) out.push(strayFile(`file:data/${name}`, 'persist directory', 'unexpected file in the persist directory', `workerd created ${name} in the persist directory, where only the hub objects' directory belongs`, name, [utf8(name)]));
      }
      if (dirs.length > 1) out.push(strayFile(`file:data/${dirs.join(',')}`, 'persist directory', 'more than one object namespace', `the persist directory holds several object namespaces: ${dirs.join(', ')}`, dirs.join(','), []));
      for (const dir of dirs) {
        for (const name of listFiles(join(persistDir, dir))) {
          const id = OBJECT_FILE.exec(name)?.[1];
          if (METADATA_FILE.test(name) || (id !== undefined && datasetOf.has(id))) continue;
          if (id !== undefined && name !== `${id}.sqlite`) continue; // its side files: the .sqlite itself is checked
          const tables = id === undefined ? undefined : tablesIn(join(persistDir, dir, name));
          if (tables === 0) continue;
          out.push(
            strayFile(
              `file:data/${dir}/${name}`,
              'persist directory',
              id === undefined ? 'unexpected file in the objects directory' : 'object with data for a dataset the hub does not serve',
              id === undefined
                ? `workerd created ${name} among the objects' files`
                : `object ${id.slice(0, 12)}… is none of the served datasets' objects, and ${tables === -1 ? 'its file is not a database the check can read' : `holds ${tables} tables`}`,
              name,
              [],
            ),
          );
        }
      }
      return out;
    },
    // Every object is a node of its own, and keeps its node id in its own database.
    holdsNodeId: () => true,
    engineTables: /^_cf_\w+$/,
    checkEngineTables: (db, datasetId) => checkKeyValue(db, datasetId),
  };
}

/** The object's key-value storage holds only what SluiceHubObject stores about itself: which dataset it serves. */
function checkKeyValue(db: Database.Database, datasetId: DatasetId): Violation[] {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_cf_KV'").get();
  if (!has) return [];
  const out: Violation[] = [];
  for (const r of db.prepare('SELECT key, value FROM _cf_KV').all() as { key: string; value: Buffer | null }[]) {
    const value = r.value ?? Buffer.alloc(0);
    const expected = OWN_KEYS[r.key]?.(datasetId);
    if (expected === undefined || storedString(value) !== expected) {
      out.push({
        id: `kv:${datasetId}:${r.key}:${value.toString('hex').slice(0, 80)}`,
        table: '_cf_KV',
        datasetId,
        category: expected !== undefined ? 'object records another place than its own' : 'key in the object storage no honest exchange explains',
        problem: expected !== undefined ? `the object of ${datasetId} holds ${r.key} = ${JSON.stringify(storedString(value))}, expected ${JSON.stringify(expected)}` : `key ${JSON.stringify(r.key).slice(0, 80)} in the object storage of ${datasetId}`,
        row: { key: r.key, value: value.toString('hex').slice(0, 200) },
        needles: [utf8(r.key)],
      });
    }
  }
  return out;
}

/**
 * The value's string, as the platform serialized it (V8's format: a version header, then 0x22, a
 * varint length and Latin-1 bytes for a one-byte string). Undefined for anything else.
 */
function storedString(value: Buffer): string | undefined {
  const at = value.indexOf(0x22);
  if (at < 0 || at + 2 > value.length) return undefined;
  const length = value[at + 1]!;
  if (length >= 0x80 || at + 2 + length !== value.length) return undefined;
  return value.subarray(at + 2).toString('latin1');
}

function tablesIn(file: string): number {
  // Opened read-only for a moment: an object that refused its only request has no table.
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5_000 });
    return (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
  } catch {
    return -1;
  } finally {
    db?.close();
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
