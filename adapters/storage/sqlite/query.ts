import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { StoredDocument } from '../../../src/core/document.ts';
import { assertCollection } from '../../../src/core/names.ts';
import type { IndexSpec } from '../../../src/store/query/index-spec.ts';
import type { QueryPlan } from '../../../src/store/query/plan.ts';
import type { Scalar } from '../../../src/store/query/scalar-order.ts';
import { compileQuery, indexColumns, jsonPath, sqlString, type SqlDialect } from '../sql/query-sql.ts';
import { DOCUMENT_COLUMNS, toDocument } from './rows.ts';
import type { SqliteValue } from './driver.ts';
import type { SqliteSession } from './session.ts';

/*
 * SQLite keeps JSON as text. A field is its json_type() mapped to a rank, and one value column:
 * json_extract() for numbers and strings, 0/1 for booleans, NULL otherwise. A collection's index
 * is a partial expression index over those, limited to its live documents; queries repeat the
 * same expressions and name the index (INDEXED BY), so a plan is never silently a scan.
 */

const typeOf = (path: readonly string[]) => `json_type(value, '${jsonPath(path)}')`;

export const sqliteDialect: SqlDialect = {
  table: 'documents',
  noLimit: '-1',
  rank: (path) => `(CASE ${typeOf(path)} WHEN 'true' THEN 1 WHEN 'false' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 4 ELSE 0 END)`,
  values: (path) => [
    {
      expr: `(CASE ${typeOf(path)} WHEN 'true' THEN 1 WHEN 'false' THEN 0 WHEN 'object' THEN NULL WHEN 'array' THEN NULL ELSE json_extract(value, '${jsonPath(path)}') END)`,
      of: (v: Scalar) => (v === null ? undefined : typeof v === 'boolean' ? Number(v) : v),
    },
  ],
  placeholder: () => '?',
  indexName: (collection, index) => `"sluice_q:${collection}:${index.name}"`,
  scope: (collection) => `collection = ${sqlString(collection)} AND deleted = 0`,
};

export function ensureSqliteIndexes(session: SqliteSession, collection: string, indexes: readonly IndexSpec[]): void {
  const c = assertCollection(collection);
  for (const index of indexes) {
    // dataset_id leads: one file may hold several datasets, and every query pins it.
    const columns = ['dataset_id', ...indexColumns(sqliteDialect, index)].join(', ');
    session.exec(`CREATE INDEX IF NOT EXISTS ${sqliteDialect.indexName(c, index)} ON documents (${columns}) WHERE ${sqliteDialect.scope(c)}`);
  }
}

export function sqliteQuery(session: SqliteSession, datasetId: DatasetId, collection: string, plan: QueryPlan): StoredDocument[] {
  const c = assertCollection(collection);
  const { sql, params } = compileQuery(sqliteDialect, DOCUMENT_COLUMNS, c, plan, { sql: 'dataset_id = ?', params: [datasetId] }, (name) => ` INDEXED BY ${name}`);
  return session.queryStatement(sql).all(...(params as SqliteValue[])).map(toDocument);
}
