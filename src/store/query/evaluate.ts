import type { StoredDocument } from '../../core/document.ts';
import type { JsonValue } from '../../core/json.ts';
import { tieBreakDirection } from './plan.ts';
import type { Condition, NormalizedQuery } from './query-spec.ts';
import { compareValues, fieldValue, rankOf, type Scalar } from './scalar-order.ts';

/*
 * The reference semantics of a query, on values in memory. The memory adapter runs queries with
 * these; the IndexedDB adapter checks what an index range yields with them; live queries use them
 * to place a changed document. The SQL adapters express the same rules in SQL (see
 * adapters/storage/sql/query-sql.ts) and the shared contract suite holds them to it.
 */

export function matchesCondition(value: JsonValue | undefined, c: Condition): boolean {
  const v = fieldValue(value, c.path);
  switch (c.op) {
    case 'eq':
      return equal(v, c.value as Scalar);
    case 'ne':
      return !equal(v, c.value as Scalar);
    case 'in':
      return (c.value as readonly Scalar[]).some((x) => equal(v, x));
    case 'prefix':
      return typeof v === 'string' && v.startsWith(c.value as string);
    default: {
      const operand = c.value as Scalar;
      if (rankOf(v) !== rankOf(operand)) return false;
      const d = compareValues(v, operand);
      return c.op === 'gt' ? d > 0 : c.op === 'gte' ? d >= 0 : c.op === 'lt' ? d < 0 : d <= 0;
    }
  }
}

function equal(v: JsonValue | undefined, operand: Scalar): boolean {
  return rankOf(v) === rankOf(operand) && compareValues(v, operand) === 0;
}

/** Whether a live document (its value) satisfies every condition of the query. */
export function matchesQuery(value: JsonValue | undefined, query: NormalizedQuery): boolean {
  return query.conditions.every((c) => matchesCondition(value, c));
}

export interface Keyed {
  readonly key: string;
  readonly value: JsonValue | undefined;
}

/** The query's order: its orderBy fields, then the key (in the last field's direction). */
export function compareForQuery(query: NormalizedQuery): (a: Keyed, b: Keyed) => number {
  const keys = query.orderBy;
  const tie = tieBreakDirection(query) === 'desc' ? -1 : 1;
  return (a, b) => {
    for (const k of keys) {
      const d = compareValues(fieldValue(a.value, k.path), fieldValue(b.value, k.path));
      if (d !== 0) return k.direction === 'desc' ? -d : d;
    }
    return (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) * tie;
  };
}

/** Filters, sorts and pages live documents: the whole query, in memory. */
export function runQuery(documents: Iterable<StoredDocument>, query: NormalizedQuery): StoredDocument[] {
  const hits: StoredDocument[] = [];
  for (const d of documents) if (!d.deleted && matchesQuery(d.value, query)) hits.push(d);
  hits.sort(compareForQuery(query));
  return page(hits, query);
}

export function page<T>(sorted: T[], query: NormalizedQuery): T[] {
  return sorted.slice(query.offset, query.limit === null ? undefined : query.offset + query.limit);
}
