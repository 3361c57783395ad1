import { SluiceError } from '../../../src/core/errors.ts';
import type { SqliteConnection } from './driver.ts';

/*
 * Schema history, tracked in PRAGMA user_version (or, on engines that refuse that PRAGMA, in the
 * sluice_schema table; see VersionStore):
 *   0  single-dataset sluice: the same tables without dataset_id (see fixtures/legacy-v0.ts).
 *   1  every table carries dataset_id, and every key and index leads with it.
 *   2  oplog.signature: the author's signature on entries that end a signed batch (NULL elsewhere).
 *
 * Each table holds one dataset per file by default, but the column is always there and always
 * queried, so the single-file layout and migrated legacy files use the very same statements.
 */
export const SCHEMA_VERSION = 2;

/*
 * HLCs are three columns (wall, logic, node) so indexes sort them in the total order. JSON lives
 * as TEXT exactly as canonicalJson wrote it. The oplog keeps its rowid: rows then append in
 * arrival order and index lookups by rowid stay cheap, while hashes only go into the key index.
 */
const TABLES = `
CREATE TABLE documents (
  dataset_id TEXT NOT NULL,
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT,
  meta TEXT,
  wall INTEGER NOT NULL,
  logic INTEGER NOT NULL,
  node TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, collection, key)
) WITHOUT ROWID;

CREATE TABLE oplog (
  dataset_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  wall INTEGER NOT NULL,
  logic INTEGER NOT NULL,
  node TEXT NOT NULL,
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  op TEXT NOT NULL,
  payload TEXT,
  prev_hash TEXT NOT NULL,
  signature TEXT,
  PRIMARY KEY (dataset_id, hash)
);

CREATE TABLE heads (
  dataset_id TEXT NOT NULL,
  node TEXT NOT NULL,
  wall INTEGER NOT NULL,
  logic INTEGER NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (dataset_id, node)
) WITHOUT ROWID;

CREATE TABLE boundaries (
  dataset_id TEXT NOT NULL,
  node TEXT NOT NULL,
  wall INTEGER NOT NULL,
  logic INTEGER NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (dataset_id, node)
) WITHOUT ROWID;

CREATE TABLE peers (
  dataset_id TEXT NOT NULL,
  peer_id TEXT NOT NULL,
  address TEXT,
  active INTEGER NOT NULL,
  registered_at INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, peer_id)
) WITHOUT ROWID;

CREATE TABLE confirmations (
  dataset_id TEXT NOT NULL,
  peer_id TEXT NOT NULL,
  author_id TEXT NOT NULL,
  wall INTEGER NOT NULL,
  logic INTEGER NOT NULL,
  node TEXT NOT NULL,
  hash TEXT NOT NULL,
  confirmed_at INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, peer_id, author_id)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
  dataset_id TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (dataset_id, name)
) WITHOUT ROWID;
`;

const INDEXES = `
CREATE INDEX oplog_by_hlc ON oplog (dataset_id, wall, logic, node);
CREATE INDEX oplog_by_author ON oplog (dataset_id, node, wall, logic);
`;

/** Version 0 columns per table: version 1 has the same ones plus dataset_id. */
const LEGACY_COLUMNS: Readonly<Record<string, string>> = {
  documents: 'collection, key, value, meta, wall, logic, node, deleted',
  oplog: 'hash, wall, logic, node, collection, key, op, payload, prev_hash',
  heads: 'node, wall, logic, hash',
  boundaries: 'node, wall, logic, hash',
  peers: 'peer_id, address, active, registered_at',
  confirmations: 'peer_id, author_id, wall, logic, node, hash, confirmed_at',
  checkpoints: 'name, value',
};

/** Rows written before datasets existed belong to this dataset (the same rule as normalizeDatasetId). */
const LEGACY_DATASET = 'primary';

/**
 * Where the schema version lives. 'user_version' for every file sluice ever wrote, so existing
 * databases read as before; 'table' only for engines that refuse PRAGMA user_version (Durable
 * Objects), whose databases never had one.
 */
export type VersionStore = 'user_version' | 'table';

/** Brings the database to SCHEMA_VERSION in one transaction; a crash mid-way leaves the old schema intact. */
export function migrate(connection: SqliteConnection, store: VersionStore = 'user_version'): void {
  const version = VERSIONS[store];
  if (version.read(connection) === SCHEMA_VERSION) return;
  inWriteTransaction(connection, () => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const current = version.read(connection);
    if (current === 0) {
      const legacy = existingTables(connection);
      if (legacy.length === 0) createSchema(connection);
      else if (store === 'table') {
        // No sluice before schema 1 kept its version in a table: these are an app's own tables.
        throw new SluiceError('storage_failure', `This database already has table(s) ${legacy.join(', ')} that sluice did not create: sluice needs those names, so give it a database (a Durable Object) of its own.`, { tables: legacy.join(',') });
      } else upgradeFromV0(connection, legacy);
      version.write(connection, SCHEMA_VERSION);
    } else if (current === 1) {
      // A nullable column at the end: SQLite adds it without rewriting a row.
      connection.exec('ALTER TABLE oplog ADD COLUMN signature TEXT');
      version.write(connection, SCHEMA_VERSION);
    } else if (current > SCHEMA_VERSION) {
      throw new SluiceError(
        'storage_failure',
        `This SQLite database has schema version ${current}, newer than the ${SCHEMA_VERSION} this version of sluice reads: upgrade sluice to open it.`,
        { version: current, supported: SCHEMA_VERSION },
      );
    }
  });
}

function inWriteTransaction(connection: SqliteConnection, body: () => void): void {
  if (connection.transaction) {
    connection.transaction(body);
    return;
  }
  connection.exec('BEGIN IMMEDIATE');
  try {
    body();
    connection.exec('COMMIT');
  } catch (error) {
    if (connection.inTransaction) connection.exec('ROLLBACK');
    throw error;
  }
}

function createSchema(connection: SqliteConnection): void {
  connection.exec(TABLES);
  connection.exec(INDEXES);
}

/*
 * Rebuilds rather than ALTER TABLE ADD COLUMN: the primary keys must lead with dataset_id, and
 * SQLite cannot change a primary key in place. Indexes are created last because the renamed
 * legacy tables keep their own index names until they are dropped.
 */
function upgradeFromV0(connection: SqliteConnection, legacy: readonly string[]): void {
  for (const table of legacy) {
    const columns = connection.prepare(`SELECT name FROM pragma_table_info('${table}')`).all().map((r) => r.name);
    if (columns.includes('dataset_id')) {
      throw new SluiceError('storage_failure', `Table ${table} already has a dataset_id column but the schema version is 0: this file was not written by sluice.`);
    }
    connection.exec(`ALTER TABLE ${table} RENAME TO ${table}_v0`);
  }
  connection.exec(TABLES);
  for (const table of legacy) {
    const columns = LEGACY_COLUMNS[table]!;
    connection.exec(`INSERT INTO ${table} (dataset_id, ${columns}) SELECT '${LEGACY_DATASET}', ${columns} FROM ${table}_v0`);
    connection.exec(`DROP TABLE ${table}_v0`);
  }
  connection.exec(INDEXES);
}

const VERSION_TABLE = 'sluice_schema';

const VERSIONS: Readonly<Record<VersionStore, { read(c: SqliteConnection): number; write(c: SqliteConnection, version: number): void }>> = {
  user_version: {
    read: (c) => Number(c.prepare('PRAGMA user_version').get()?.user_version ?? 0),
    write: (c, version) => c.exec(`PRAGMA user_version = ${version}`),
  },
  table: {
    // No table yet reads as 0, like a fresh file's user_version.
    read: (c) =>
      c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?").get(VERSION_TABLE) === undefined
        ? 0
        : Number(c.prepare(`SELECT version FROM ${VERSION_TABLE} WHERE id = 0`).get()?.version ?? 0),
    write: (c, version) =>
      c.exec(
        `CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 0), version INTEGER NOT NULL);` +
          `INSERT INTO ${VERSION_TABLE} (id, version) VALUES (0, ${version}) ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
      ),
  },
};

function existingTables(connection: SqliteConnection): string[] {
  const names = Object.keys(LEGACY_COLUMNS);
  const placeholders = names.map(() => '?').join(', ');
  const rows = connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${placeholders})`).all(...names);
  const found = new Set(rows.map((r) => r.name));
  return names.filter((n) => found.has(n));
}
