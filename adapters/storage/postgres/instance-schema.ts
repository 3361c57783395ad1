import type { Sql } from 'postgres';
import { SluiceError } from '../../../src/core/errors.ts';
import { quoteIdent } from './schema.ts';

/*
 * Instance datasets (`user/u123`, `team/acme/board-7`) do not get a schema each: a hub serving a
 * dataset per user would otherwise hold 100k schemas of eight tables and their indexes, and every
 * one of them is rows in the catalogue that each backend caches as it touches it. Instead all
 * instances of one name share the schema `<prefix><name>/*` (e.g. "sluice_user/*"), whose tables are
 * the per-dataset tables of schema.ts with a leading `dataset_id` column in every primary key and
 * index, each PARTITION BY HASH (dataset_id) into PARTITIONS fixed partitions (`documents_p0` …).
 *
 * The name cannot collide with a dataset's own schema: dataset names are `[a-z0-9_-]`, so no plain
 * `<prefix><name>` ends in "/*". A dataset named `user` keeps its own schema `sluice_user` beside
 * its instances' `sluice_user/*`.
 *
 * Every statement of an instance filters on `dataset_id = $n` (see DatasetSchema), so the planner
 * prunes it to one partition while planning. Prepared statements keep that: PostgreSQL costs a
 * generic plan over all partitions above a custom one and keeps planning custom plans, which lock
 * one partition rather than all of them.
 */
export const INSTANCE_SCHEMA_VERSION = 1;

/**
 * Partitions per table, fixed. Not one per dataset (LIST partitions): 100k of them would be the very
 * catalogue growth this layout avoids. 16 keeps each partition's B-trees and each autovacuum run to
 * a sixteenth of the name's rows, while the catalogue cost stays small and constant: 7 tables × 16
 * partitions, created once per name. A power of two, so that a later version can split each
 * partition into two (MODULUS 32, REMAINDER r and r + 16) without moving rows between the others.
 */
export const PARTITIONS = 16;

/** The per-dataset tables, all partitioned; schema_version is one plain row. */
export const PARTITIONED_TABLES = ['documents', 'oplog', 'heads', 'boundaries', 'peers', 'confirmations', 'checkpoints'] as const;

/** PostgreSQL cuts identifiers at 63 bytes (NAMEDATALEN - 1); a cut name could meet another. */
const MAX_IDENTIFIER_BYTES = 63;
const SUFFIX = '/*';

/**
 * The schema holding every instance of `name`. Refused with invalid_dataset_id when it would not fit
 * an identifier: only a name of 47-48 characters under a long schemaPrefix comes that close.
 */
export function instanceSchemaName(prefix: string, name: string, datasetId: string): string {
  const schema = `${prefix}${name}${SUFFIX}`;
  if (schema.length > MAX_IDENTIFIER_BYTES) {
    throw new SluiceError(
      'invalid_dataset_id',
      `postgresStorage keeps the instances of "${name}" (such as "${datasetId}") in the schema "${schema}", ${schema.length} bytes, over PostgreSQL's ${MAX_IDENTIFIER_BYTES}: use a shorter schemaPrefix (now "${prefix}") or a shorter dataset name.`,
      { datasetId, schema },
    );
  }
  return schema;
}

const tables = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}.documents (
  dataset_id text COLLATE "C" NOT NULL,
  collection text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  value jsonb,
  value_text text,
  meta text,
  wall bigint NOT NULL,
  logic integer NOT NULL,
  node text COLLATE "C" NOT NULL,
  deleted boolean NOT NULL,
  PRIMARY KEY (dataset_id, collection, key)
) PARTITION BY HASH (dataset_id);
CREATE TABLE IF NOT EXISTS ${s}.oplog (
  dataset_id text COLLATE "C" NOT NULL,
  hash text COLLATE "C" NOT NULL,
  wall bigint NOT NULL,
  logic integer NOT NULL,
  node text COLLATE "C" NOT NULL,
  collection text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  op text NOT NULL,
  payload text,
  prev_hash text COLLATE "C" NOT NULL,
  signature text,
  PRIMARY KEY (dataset_id, hash)
) PARTITION BY HASH (dataset_id);
CREATE INDEX IF NOT EXISTS oplog_by_hlc ON ${s}.oplog (dataset_id, wall, logic, node);
CREATE INDEX IF NOT EXISTS oplog_by_author ON ${s}.oplog (dataset_id, node, wall, logic);
CREATE TABLE IF NOT EXISTS ${s}.heads (
  dataset_id text COLLATE "C" NOT NULL,
  node text COLLATE "C" NOT NULL,
  wall bigint NOT NULL,
  logic integer NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (dataset_id, node)
) PARTITION BY HASH (dataset_id);
CREATE TABLE IF NOT EXISTS ${s}.boundaries (
  dataset_id text COLLATE "C" NOT NULL,
  node text COLLATE "C" NOT NULL,
  wall bigint NOT NULL,
  logic integer NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (dataset_id, node)
) PARTITION BY HASH (dataset_id);
CREATE TABLE IF NOT EXISTS ${s}.peers (
  dataset_id text COLLATE "C" NOT NULL,
  peer_id text COLLATE "C" NOT NULL,
  address text,
  active boolean NOT NULL,
  registered_at bigint NOT NULL,
  PRIMARY KEY (dataset_id, peer_id)
) PARTITION BY HASH (dataset_id);
CREATE TABLE IF NOT EXISTS ${s}.confirmations (
  dataset_id text COLLATE "C" NOT NULL,
  peer_id text COLLATE "C" NOT NULL,
  author_id text COLLATE "C" NOT NULL,
  wall bigint NOT NULL,
  logic integer NOT NULL,
  node text COLLATE "C" NOT NULL,
  hash text NOT NULL,
  confirmed_at bigint NOT NULL,
  PRIMARY KEY (dataset_id, peer_id, author_id)
) PARTITION BY HASH (dataset_id);
CREATE TABLE IF NOT EXISTS ${s}.checkpoints (
  dataset_id text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (dataset_id, name)
) PARTITION BY HASH (dataset_id);
CREATE TABLE IF NOT EXISTS ${s}.schema_version (
  version integer NOT NULL,
  partitions integer NOT NULL
);
`;

/** Partitions inherit the parent's keys and indexes, and each gets its own copy of them. */
const partitions = (s: string) =>
  PARTITIONED_TABLES.flatMap((table) =>
    Array.from({ length: PARTITIONS }, (_, r) => `CREATE TABLE IF NOT EXISTS ${s}.${table}_p${r} PARTITION OF ${s}.${table} FOR VALUES WITH (MODULUS ${PARTITIONS}, REMAINDER ${r});`),
  ).join('\n');

/**
 * Creates the name's schema, tables and partitions if they are missing, once for all its instances:
 * a new instance is only new rows. Hubs starting together take turns through an advisory lock, as
 * for a dataset's own schema (schema.ts).
 */
export async function ensureInstanceSchema(sql: Sql, schema: string): Promise<void> {
  const s = quoteIdent(schema);
  const rows = (await sql.unsafe(`SELECT version FROM ${s}.schema_version`).catch(() => [])) as unknown as { version: number }[];
  if (rows.length > 0 && Number(rows[0]!.version) === INSTANCE_SCHEMA_VERSION) return;
  await sql.begin(async (tx) => {
    await tx.unsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`sluice schema ${schema}`]);
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.unsafe(tables(s));
    await tx.unsafe(partitions(s));
    const [row] = await tx.unsafe(`SELECT version FROM ${s}.schema_version`);
    if (!row) await tx.unsafe(`INSERT INTO ${s}.schema_version (version, partitions) VALUES ($1, $2)`, [INSTANCE_SCHEMA_VERSION, PARTITIONS]);
  });
}
