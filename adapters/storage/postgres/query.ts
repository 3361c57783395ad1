import type { QueriedDocument } from '../../../src/store/document-store.ts';
import { assertCollection } from '../../../src/core/names.ts';
import type { IndexSpec } from '../../../src/store/query/index-spec.ts';
import type { QueryPlan } from '../../../src/store/query/plan.ts';
import type { Scalar } from '../../../src/store/query/scalar-order.ts';
import { compileQuery, indexColumns, sqlString, type SqlDialect } from '../sql/query-sql.ts';
import type { DatasetSchema } from './dataset-schema.ts';
import { toQueried } from '../sql/rows.ts';

/*
 * JSONB fields, as a rank and two value columns: a numeric one (numbers, and booleans as 0/1) and
 * a text one in the "C" collation (strings, in code point order). Each column has one type, so
 * the B-tree orders it as the shared rules do; JSONB's own ordering (objects before arrays,
 * booleans before numbers...) is a different one and is not used. A value kept in value_text
 * (strings holding U+0000, which JSONB cannot store) has no fields as far as queries go.
 *
 * The instances of a name share its documents table, and so its indexes: an index leads with
 * dataset_id, and a query with `dataset_id = $1`, so the query reads one partition and, within it,
 * its own instance's rows in index order.
 */

const at = (path: readonly string[]) => {
  // Dotted identifiers only (checked again by jsonPath in compileQuery's callers): safe in a literal.
  if (!path.every((s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s))) throw new Error('unsafe field path');
  return `'{${path.join(',')}}'`;
};
const typeOf = (path: readonly string[]) => `jsonb_typeof(value #> ${at(path)})`;

export function postgresDialect(ds: DatasetSchema): SqlDialect {
  return {
    table: `${ds.s}.documents`,
    noLimit: 'ALL',
    rank: (path) => `(CASE ${typeOf(path)} WHEN 'boolean' THEN 1 WHEN 'number' THEN 2 WHEN 'string' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 4 ELSE 0 END)`,
    values: (path) => [
      {
        expr: `(CASE ${typeOf(path)} WHEN 'number' THEN (value #>> ${at(path)})::numeric WHEN 'boolean' THEN (CASE value #>> ${at(path)} WHEN 'true' THEN 1 ELSE 0 END) END)`,
        of: (v: Scalar) => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : undefined),
      },
      {
        expr: `((CASE ${typeOf(path)} WHEN 'string' THEN value #>> ${at(path)} END) COLLATE "C")`,
        of: (v: Scalar) => (typeof v === 'string' ? v : undefined),
      },
    ],
    // Typed placeholders: a number is compared as numeric (exact, like JSONB's numbers).
    placeholder: (index, value) => `$${index}::${typeof value === 'number' ? 'numeric' : 'text'}`,
    indexName: (collection, index) => `"q_${fnv64(`${collection}\u0000${index.name}`)}"`,
    scope: (collection) => `collection = ${sqlString(collection)} AND NOT deleted`,
  };
}

/** Index names must fit PostgreSQL's 63 bytes, whatever the collection and field names: a hash of both. */
function fnv64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

export async function ensurePostgresIndexes(ds: DatasetSchema, collection: string, indexes: readonly IndexSpec[]): Promise<void> {
  const c = assertCollection(collection);
  if (indexes.length === 0) return;
  const dialect = postgresDialect(ds);
  const lead = ds.partitioned ? ['dataset_id'] : [];
  // Every instance of a name declares the indexes its first one built. CREATE INDEX, even one that
  // exists, locks the table against writes (all partitions of it), so a look in the catalogue
  // comes first and usually finds them all.
  if (ds.partitioned && (await missingIndexes(ds, indexes.map((i) => dialect.indexName(c, i)))) === 0) return;
  // Hubs that declare the same index at once take turns: CREATE INDEX IF NOT EXISTS is not safe against itself.
  await ds.write('documents.ensureIndexes', async (q) => {
    await q('SELECT pg_advisory_xact_lock(hashtextextended($1, 13))', [`sluice indexes ${ds.schema}`]);
    for (const index of indexes) {
      await q(`CREATE INDEX IF NOT EXISTS ${dialect.indexName(c, index)} ON ${ds.s}.documents (${[...lead, ...indexColumns(dialect, index)].join(', ')}) WHERE ${dialect.scope(c)}`);
    }
  });
}

/** How many of the quoted index names are not in the dataset's schema yet. */
async function missingIndexes(ds: DatasetSchema, quotedNames: readonly string[]): Promise<number> {
  const names = [...new Set(quotedNames.map((n) => n.slice(1, -1)))];
  const [row] = await ds.query(
    'SELECT count(*)::integer AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relname IN (SELECT json_array_elements_text($2::text::json))',
    [ds.schema, JSON.stringify(names)],
  );
  return names.length - Number(row!.n);
}

export async function postgresQuery(ds: DatasetSchema, collection: string, plan: QueryPlan): Promise<QueriedDocument[]> {
  const c = assertCollection(collection);
  const leading = ds.partitioned ? { sql: 'dataset_id = $1', params: [ds.datasetId] } : null;
  const { sql, params } = compileQuery(postgresDialect(ds), 'key, coalesce(value_text, value::text) AS value', c, plan, leading, () => '');
  const rows = await ds.queryOnce(sql, params);
  return rows.map(toQueried);
}
