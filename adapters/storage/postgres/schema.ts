import type { Sql } from 'postgres';

/*
 * One schema per dataset, named `<prefix><datasetId>` (e.g. sluice_primary). Every table is the
 * dataset's own, so a backend reads `sluice_primary.documents` with plain SQL, and dropping a
 * dataset is DROP SCHEMA. Text that sync orders or compares (keys, node ids) uses the "C"
 * collation: byte order, the same whatever locale the database was created with.
 *
 * HLCs are three columns (wall, logic, node) so that indexes sort them in the total order.
 * Document values are JSONB; a value whose strings hold U+0000, which JSONB cannot store, is kept
 * as JSON text in value_text instead (value is then NULL). Oplog payloads are kept as the exact
 * text that was hashed.
 */
export const SCHEMA_VERSION = 1;

const tables = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}.documents (
  collection text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  value jsonb,
  value_text text,
  meta text,
  wall bigint NOT NULL,
  logic integer NOT NULL,
  node text COLLATE "C" NOT NULL,
  deleted boolean NOT NULL,
  PRIMARY KEY (collection, key)
);
CREATE TABLE IF NOT EXISTS ${s}.oplog (
  hash text COLLATE "C" PRIMARY KEY,
  wall bigint NOT NULL,
  logic integer NOT NULL,
  node text COLLATE "C" NOT NULL,
  collection text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  op text NOT NULL,
  payload text,
  prev_hash text COLLATE "C" NOT NULL,
  signature text
);
CREATE INDEX IF NOT EXISTS oplog_by_hlc ON ${s}.oplog (wall, logic, node);
CREATE INDEX IF NOT EXISTS oplog_by_author ON ${s}.oplog (node, wall, logic);
CREATE TABLE IF NOT EXISTS ${s}.heads (
  node text COLLATE "C" PRIMARY KEY,
  wall bigint NOT NULL,
  logic integer NOT NULL,
  hash text NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.boundaries (
  node text COLLATE "C" PRIMARY KEY,
  wall bigint NOT NULL,
  logic integer NOT NULL,
  hash text NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.peers (
  peer_id text COLLATE "C" PRIMARY KEY,
  address text,
  active boolean NOT NULL,
  registered_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.confirmations (
  peer_id text COLLATE "C" NOT NULL,
  author_id text COLLATE "C" NOT NULL,
  wall bigint NOT NULL,
  logic integer NOT NULL,
  node text COLLATE "C" NOT NULL,
  hash text NOT NULL,
  confirmed_at bigint NOT NULL,
  PRIMARY KEY (peer_id, author_id)
);
CREATE TABLE IF NOT EXISTS ${s}.checkpoints (
  name text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.schema_version (
  version integer NOT NULL
);
`;

/** A quoted identifier: dataset ids and prefixes are checked to `[a-z0-9_-]`, the quotes keep `-` legal. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Creates the dataset's schema if it is missing. Hubs starting together race for it, so creation
 * holds a transaction-scoped advisory lock named after the schema: the second hub waits, then finds
 * everything there.
 */
export async function ensureSchema(sql: Sql, schema: string): Promise<void> {
  const s = quoteIdent(schema);
  const rows = (await sql.unsafe(`SELECT version FROM ${s}.schema_version`).catch(() => [])) as unknown as { version: number }[];
  if (rows.length > 0 && Number(rows[0]!.version) === SCHEMA_VERSION) return;
  await sql.begin(async (tx) => {
    await tx.unsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`sluice schema ${schema}`]);
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.unsafe(tables(s));
    const [row] = await tx.unsafe(`SELECT version FROM ${s}.schema_version`);
    if (!row) await tx.unsafe(`INSERT INTO ${s}.schema_version (version) VALUES ($1)`, [SCHEMA_VERSION]);
  });
}
