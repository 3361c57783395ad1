import { SluiceError } from '../../../src/core/errors.ts';
import type { IndexSpec } from '../../../src/store/query/index-spec.ts';
import { tieBreakDirection, type QueryPlan } from '../../../src/store/query/plan.ts';
import { parseField, type Condition } from '../../../src/store/query/query-spec.ts';
import { rankOf, type Scalar } from '../../../src/store/query/scalar-order.ts';

/*
 * Queries as SQL, for SQLite and PostgreSQL. A field is read through a fixed set of expressions
 * over the JSON value (its type rank, then one or more value columns), and the same expressions
 * make up the collection's expression indexes, so the database answers a planned query from the
 * index. The ranks and comparisons are those of src/store/query/scalar-order.ts.
 *
 * Field paths are embedded in the SQL text (indexes can only match literal expressions). They are
 * checked again here, as dotted identifiers, so nothing else can reach the text.
 */

export interface SqlDialect {
  /** The field's type rank (0 null or missing, 1 boolean, 2 number, 3 string, 4 object or array). */
  rank(path: readonly string[]): string;
  /** The value columns that order a field within its rank, each NULL where it does not apply. */
  values(path: readonly string[]): readonly ValueColumn[];
  /** A parameter placeholder for `value`, as the dialect numbers them. */
  placeholder(index: number, value: unknown): string;
  /** The collection's index name, quoted. */
  indexName(collection: string, index: IndexSpec): string;
  /** What LIMIT takes for "no limit" (an OFFSET needs a LIMIT in SQLite). */
  readonly noLimit: string;
  /** The table's name, as the query should reference it. */
  readonly table: string;
  /** The partial-index condition every query repeats, so the index applies. */
  readonly scope: (collection: string) => string;
}

export interface ValueColumn {
  readonly expr: string;
  /** The column's value for an operand of this rank, or undefined where the column is NULL. */
  of(operand: Scalar): unknown;
}

export function jsonPath(path: readonly string[]): string {
  parseField(path.join('.'), 'query');
  return `$.${path.join('.')}`;
}

/** A collection name as an SQL string literal (collection names cannot hold quotes; escaped anyway). */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The columns of a collection's expression index, in order: rank and values per field, then key. */
export function indexColumns(dialect: SqlDialect, index: IndexSpec): string[] {
  const columns: string[] = [];
  for (const path of index.paths) {
    columns.push(dialect.rank(path));
    for (const v of dialect.values(path)) columns.push(v.expr);
  }
  columns.push('key');
  return columns;
}

export interface CompiledQuery {
  readonly sql: string;
  readonly params: unknown[];
}

/** The whole query (filter, order, offset and limit) as one SELECT of `columns`. */
export function compileQuery(dialect: SqlDialect, columns: string, collection: string, plan: QueryPlan, leading: { sql: string; params: unknown[] } | null, indexedBy: (name: string) => string): CompiledQuery {
  const params: unknown[] = leading ? [...leading.params] : [];
  const param = (value: unknown) => {
    params.push(value);
    return dialect.placeholder(params.length, value);
  };
  const where = [...(leading ? [leading.sql] : []), dialect.scope(collection)];
  for (const c of plan.query.conditions) where.push(conditionSql(dialect, c, param));
  const tie = tieBreakDirection(plan.query).toUpperCase();
  const order: string[] = [];
  for (const k of plan.query.orderBy) {
    const dir = k.direction.toUpperCase();
    order.push(`${dialect.rank(k.path)} ${dir}`);
    for (const v of dialect.values(k.path)) order.push(`${v.expr} ${dir}`);
  }
  order.push(`key ${tie}`);
  const { limit, offset } = plan.query;
  // Literal numbers (checked whole numbers, so safe in the text): SQLite plans a constant LIMIT
  // into the index walk, and a bound one costs it measurably more per query.
  const paging = `${limit !== null || offset > 0 ? ` LIMIT ${limit === null ? dialect.noLimit : checkedCount(limit)}` : ''}${offset > 0 ? ` OFFSET ${checkedCount(offset)}` : ''}`;
  const hint = plan.index ? indexedBy(dialect.indexName(collection, plan.index)) : '';
  return { sql: `SELECT ${columns} FROM ${dialect.table}${hint} WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')}${paging}`, params };
}

function conditionSql(dialect: SqlDialect, c: Condition, param: (v: unknown) => string): string {
  const rank = dialect.rank(c.path);
  const columns = dialect.values(c.path);
  // The value columns compared with an operand. In an equality every column is pinned, NULL ones
  // included, so a compound index can continue to its next field.
  const bound = (operand: Scalar, op: string): string[] =>
    columns.flatMap((col) => {
      const v = col.of(operand);
      if (v === undefined) return op === '=' ? [`${col.expr} IS NULL`] : [];
      return [`${col.expr} ${op} ${param(v)}`];
    });
  const same = (operand: Scalar, op: string): string => [`${rank} = ${rankOf(operand)}`, ...bound(operand, op)].join(' AND ');
  switch (c.op) {
    case 'eq':
      return `(${same(c.value as Scalar, '=')})`;
    case 'ne':
      return `NOT (${same(c.value as Scalar, '=')})`;
    case 'in': {
      const values = c.value as readonly Scalar[];
      return values.length === 0 ? '0 = 1' : `(${values.map((v) => `(${same(v, '=')})`).join(' OR ')})`;
    }
    case 'gt':
      return `(${same(c.value as Scalar, '>')})`;
    case 'gte':
      return `(${same(c.value as Scalar, '>=')})`;
    case 'lt':
      return `(${same(c.value as Scalar, '<')})`;
    case 'lte':
      return `(${same(c.value as Scalar, '<=')})`;
    case 'prefix': {
      const prefix = c.value as string;
      if (prefix === '') return `(${rank} = 3)`;
      // In code point order (UTF-8 bytes, "C" collation) exactly the strings that start with
      // `prefix` lie in [prefix, successor): a range the index can scan.
      const upper = codePointSuccessor(prefix);
      return `(${[same(prefix, '>='), ...(upper === null ? [] : bound(upper, '<'))].join(' AND ')})`;
    }
    default:
      throw new SluiceError('invalid_query', `Unknown operator ${String(c.op)}.`);
  }
}

function checkedCount(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new SluiceError('invalid_query', `limit and offset must be whole numbers of at least 0, got ${String(n)}.`);
  return n;
}

/** The least string, in code point order, greater than every string that starts with `prefix`; null if there is none. */
export function codePointSuccessor(prefix: string): string | null {
  const points = [...prefix].map((ch) => ch.codePointAt(0)!);
  while (points.length > 0) {
    let last = points.pop()! + 1;
    if (last === 0xd800) last = 0xe000;
    if (last <= 0x10ffff) return String.fromCodePoint(...points, last);
  }
  return null;
}
