import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { DatasetId } from '../src/core/dataset-id.ts';
import type { Violation } from './state-check.ts';
import { utf8 } from './wire.ts';

/*
 * Where a hub keeps its state, as the state check needs to know it: which SQLite file holds which
 * dataset, what else the hub may create next to those files, and what the hub writes for itself
 * (its node id) that belongs to no dataset's traffic. The rows themselves are compared the same
 * way for every hub (state-check.ts); only this differs between a Node hub and the edge hub.
 */

export interface StorageLayout {
  /** The datasets the hub serves, each in a file of its own. */
  readonly datasets: readonly DatasetId[];
  /** The SQLite file holding `datasetId`, once the hub has created it. */
  fileOf(datasetId: DatasetId): string | undefined;
  /** Every file name under the hub's storage (and next to it), for the cheap fingerprint. */
  listing(): string;
  /** Files or objects the hub created that no honest exchange explains (path tricks, stray datasets). */
  strayFiles(): Violation[];
  /**
   * Whether the hub keeps its node id ('primary' checkpoint `sluice:node-id`) in this dataset's
   * file: a Node hub in hub.db only, the edge hub in every object (each object is a node of its own).
   */
  holdsNodeId(datasetId: DatasetId): boolean;
  /** Tables the storage engine keeps in a dataset's file besides sluice's own. */
  readonly engineTables: RegExp;
  /** Checks of those engine tables' rows (the edge: the object's key-value storage). */
  checkEngineTables?(db: Database.Database, datasetId: DatasetId): Violation[];
}

/** What `sluice hub --data <dir>` writes: hub.db holds primary, hub.<dataset>.db the others. */
export const HUB_FILES: Readonly<Record<string, string>> = { primary: 'hub.db', logs: 'hub.logs.db', timeseries: 'hub.timeseries.db' };
/** What the hub may create in its data directory: the three dataset files and SQLite's side files. */
const ALLOWED_FILE = /^hub(\.(logs|timeseries))?\.db(-wal|-shm|-journal)?$/;

/** A Node hub's data directory; `runDir` is its parent: nothing may appear there either (path tricks). */
export function nodeHubLayout(dataDir: string, runDir: string): StorageLayout {
  return {
    datasets: Object.keys(HUB_FILES),
    fileOf: (datasetId) => (HUB_FILES[datasetId] === undefined ? undefined : join(dataDir, HUB_FILES[datasetId])),
    listing: () => [listFiles(dataDir).join(','), listFiles(runDir).join(',')].join('|'),
    strayFiles: () => {
      const out: Violation[] = [];
      for (const name of listFiles(dataDir)) {
        if (!ALLOWED_FILE.test(name)) out.push(strayFile(`file:data/${name}`, 'data directory', 'unexpected file in the data directory', `the hub created an unexpected file ${name} in its data directory`, name, fileNeedles(name)));
      }
      for (const name of listFiles(runDir)) {
        if (name !== 'data') out.push(strayFile(`file:${name}`, 'outside the data directory', 'file next to the data directory', `a file ${name} appeared next to the data directory`, name, fileNeedles(name)));
      }
      return out;
    },
    holdsNodeId: (datasetId) => datasetId === 'primary',
    engineTables: /^$/,
  };
}

export function strayFile(id: string, table: string, category: string, problem: string, name: string, needles: readonly Uint8Array[]): Violation {
  return { id, table, datasetId: '', category, problem, row: { name }, needles };
}

export function listFiles(dir: string): string[] {
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
