import type { Dexie, IndexableType, Transaction } from 'dexie';
import { PRIMARY_DATASET } from '../../../src/core/dataset-id.ts';

/*
 * Schema history. IndexedDB cannot change a primary key in place, so the dataset-aware tables have
 * new names: version 2 creates them and copies the single-dataset rows of version 1 in as
 * `primary`; version 3 drops the old tables. Dexie can only read a table in an upgrader if the
 * table is deleted in a later version, hence two steps. A new database is created at the latest
 * version directly and runs no upgrader.
 */

export const SCHEMA_VERSION = 4;

export const TABLES = {
  documents: 'datasetDocuments',
  oplog: 'datasetOplog',
  heads: 'datasetHeads',
  boundaries: 'datasetBoundaries',
  peers: 'datasetPeers',
  confirmations: 'datasetConfirmations',
  checkpoints: 'datasetCheckpoints',
  queryIndexes: 'datasetQueryIndexes',
} as const;

export type TableName = keyof typeof TABLES;

export const OPLOG_BY_HLC = '[datasetId+wall+logic+node]';
export const OPLOG_BY_AUTHOR = '[datasetId+node+wall+logic]';

/** What a single-dataset build wrote: the same rows as today, without datasetId. */
const LEGACY_TABLES: Record<Exclude<TableName, 'queryIndexes'>, string> = {
  documents: 'documents',
  oplog: 'oplog',
  heads: 'heads',
  boundaries: 'boundaries',
  peers: 'peers',
  confirmations: 'confirmations',
  checkpoints: 'checkpoints',
};

const LEGACY_STORES: Record<string, string> = {
  documents: '[collection+key]',
  oplog: 'hash, [wall+logic+node], [node+wall+logic]',
  heads: 'node',
  boundaries: 'node',
  peers: 'peerId',
  confirmations: '[peerId+authorId]',
  checkpoints: 'name',
};

const CURRENT_STORES: Record<string, string> = {
  [TABLES.documents]: '[datasetId+collection+key]',
  [TABLES.oplog]: `[datasetId+hash], ${OPLOG_BY_HLC}, ${OPLOG_BY_AUTHOR}`,
  [TABLES.heads]: '[datasetId+node]',
  [TABLES.boundaries]: '[datasetId+node]',
  [TABLES.peers]: '[datasetId+peerId]',
  [TABLES.confirmations]: '[datasetId+peerId+authorId]',
  [TABLES.checkpoints]: '[datasetId+name]',
};

export function declareSchema(db: Dexie): void {
  db.version(1).stores(LEGACY_STORES);
  db.version(2).stores(CURRENT_STORES).upgrade(copyLegacyRows);
  db.version(3).stores(Object.fromEntries(Object.keys(LEGACY_STORES).map((table) => [table, null])));
  // Queries: `qk` holds one key per declared index the document is in (see query-keys.ts), and a
  // multiEntry index over it is every collection index at once. IndexedDB keeps it current on
  // every put and delete; rows written before have no qk until ensureIndexes backfills them.
  db.version(4).stores({ [TABLES.documents]: `${CURRENT_STORES[TABLES.documents]}, *qk`, [TABLES.queryIndexes]: '[datasetId+collection]' });
}

/** Rows per step of the legacy copy, so a large old oplog never has to fit in memory at once. */
const COPY_PAGE = 500;

async function copyLegacyRows(tx: Transaction): Promise<void> {
  for (const table of Object.keys(LEGACY_TABLES) as (keyof typeof LEGACY_TABLES)[]) {
    await copyTable(tx, LEGACY_TABLES[table], TABLES[table]);
  }
}

async function copyTable(tx: Transaction, from: string, to: string): Promise<void> {
  const source = tx.table(from);
  let after: IndexableType | undefined;
  for (;;) {
    const page = after === undefined ? source.toCollection() : source.where(':id').above(after);
    const keys = await page.limit(COPY_PAGE).primaryKeys();
    if (keys.length === 0) return;
    const rows = await source.bulkGet(keys);
    await tx.table(to).bulkPut(rows.map((row: object) => ({ ...row, datasetId: PRIMARY_DATASET })));
    after = keys[keys.length - 1];
  }
}
