import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { QueriedDocument } from '../../../src/store/document-store.ts';
import { SluiceError } from '../../../src/core/errors.ts';
import { utf8Length } from '../../../src/core/json.ts';
import { assertCollection } from '../../../src/core/names.ts';
import type { IndexSpec } from '../../../src/store/query/index-spec.ts';
import type { QueryPlan } from '../../../src/store/query/plan.ts';
import type { Scalar } from '../../../src/store/query/scalar-order.ts';
import { compileQuery, indexColumns, jsonPath, sqlString, type SqlDialect, type ValueColumn } from '../sql/query-sql.ts';
import { toQueried } from '../sql/rows.ts';
import type { SqliteLimits, SqliteValue } from './driver.ts';
import type { SqliteSession } from './session.ts';

/*
 * SQLite keeps JSON as text. A field is its json_type() mapped to a rank, and one value column:
 * json_extract() for numbers and strings, 0/1 for booleans, NULL otherwise. A collection's index
 * is a partial expression index over those, limited to its live documents; queries repeat the
 * same expressions and name the index (INDEXED BY), so a plan is never silently a scan.
 */

const typeOf = (path: readonly string[]) => `json_type(value, '${jsonPath(path)}')`;
const ofScalar = (v: Scalar) => (v === null ? undefined : typeof v === 'boolean' ? Number(v) : v);

/** A field's expressions, built (and their path checked) once per field, not on every query. */
const expressions = new Map<string, { rank: string; values: readonly ValueColumn[] }>();
function expressionsOf(path: readonly string[]): { rank: string; values: readonly ValueColumn[] } {
  const name = path.join('.');
  let found = expressions.get(name);
  if (found === undefined) {
    found = {
      rank: `(CASE ${typeOf(path)} WHEN 'true' THEN 1 WHEN 'false' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 4 ELSE 0 END)`,
      values: [{ expr: `(CASE ${typeOf(path)} WHEN 'true' THEN 1 WHEN 'false' THEN 0 WHEN 'object' THEN NULL WHEN 'array' THEN NULL ELSE json_extract(value, '${jsonPath(path)}') END)`, of: ofScalar }],
    };
    // Field names are bounded in length, not in number: keep the cache bounded too.
    if (expressions.size >= 1_000) expressions.clear();
    expressions.set(name, found);
  }
  return found;
}

export const sqliteDialect: SqlDialect = {
  table: 'documents',
  noLimit: '-1',
  rank: (path) => expressionsOf(path).rank,
  values: (path) => expressionsOf(path).values,
  placeholder: () => '?',
  indexName: (collection, index) => `"sluice_qc:${collection}:${index.name}"`,
  scope: (collection) => `collection = ${sqlString(collection)} AND deleted = 0`,
};

export function ensureSqliteIndexes(session: SqliteSession, collection: string, indexes: readonly IndexSpec[]): void {
  const c = assertCollection(collection);
  for (const index of indexes) {
    // dataset_id leads: one file may hold several datasets, and every query pins it. value ends
    // the index, so a query reads its rows from the index alone (no lookup of each row by its
    // three-column key): about twice as fast, for a copy of the values per index.
    const columns = ['dataset_id', ...indexColumns(sqliteDialect, index), 'value'].join(', ');
    session.exec(`CREATE INDEX IF NOT EXISTS ${sqliteDialect.indexName(c, index)} ON documents (${columns}) WHERE ${sqliteDialect.scope(c)}`);
  }
}

export function sqliteQuery(session: SqliteSession, datasetId: DatasetId, collection: string, plan: QueryPlan): QueriedDocument[] {
  const c = assertCollection(collection);
  const { sql, params } = compileQuery(sqliteDialect, 'key, value', c, plan, { sql: 'dataset_id = ?', params: [datasetId] }, (name) => ` INDEXED BY ${name}`);
  if (session.limits !== undefined) assertQueryFits(session.limits, sql, params.length);
  return session.queryStatement(sql).all(...(params as SqliteValue[])).map(toQueried);
}

/*
 * Each `in` value and condition adds a parameter and a few hundred bytes of SQL, so a query
 * within QUERY_LIMITS can still exceed a strict engine's statement limits: refuse it as the
 * query's fault, not the storage's.
 */
function assertQueryFits(limits: SqliteLimits, sql: string, parameters: number): void {
  if (parameters > limits.parameters) {
    throw new SluiceError(
      'invalid_query',
      `This query needs ${parameters} bound values, over the ${limits.parameters} one statement may have on this SQLite engine: use fewer \`in\` values or conditions (each \`in\` value counts), or split the query.`,
      { parameters, limit: limits.parameters },
    );
  }
  const bytes = sql.length * 3 <= limits.sqlBytes ? 0 : utf8Length(sql);
  if (bytes > limits.sqlBytes) {
    throw new SluiceError(
      'invalid_query',
      `This query compiles to ${bytes} bytes of SQL, over the ${limits.sqlBytes} one statement may have on this SQLite engine: use fewer conditions or \`in\` values, or shorter field paths.`,
      { sqlBytes: bytes, limit: limits.sqlBytes },
    );
  }
}
