import type { IndexSpec } from './index-spec.ts';
import { RANGE_OPERATORS, type Condition, type NormalizedQuery } from './query-spec.ts';

/**
 * Which declared index a query runs on, and what of the query the index answers. Every adapter
 * executes the same plan, so `explain()` says the same thing whatever the storage:
 *
 * - `equal`: eq conditions on the index's leading fields, one per field, in index order;
 * - `range`: gt/gte/lt/lte/prefix conditions on the field right after them;
 * - `sorted`: the index order is the requested order (all directions alike), so the adapter reads
 *   in index order, forwards or backwards, and stops after offset + limit documents;
 * - every condition is still checked on the documents the index yields (`matches`), so a plan is
 *   never wrong, only more or less selective.
 */
export interface QueryPlan {
  readonly query: NormalizedQuery;
  readonly index: IndexSpec | null;
  readonly equal: readonly Condition[];
  readonly range: readonly Condition[];
  readonly sorted: boolean;
  readonly descending: boolean;
}

export interface QueryExplanation {
  /** The index's name (its fields joined by '+'), or null for a scan of the whole collection. */
  readonly index: string | null;
  /** How many leading index fields are pinned by eq conditions, and whether a range narrows the next one. */
  readonly equalFields: number;
  readonly rangeField: string | null;
  /** True when results come in index order, so nothing is sorted after reading. */
  readonly sortedByIndex: boolean;
}

export function planQuery(query: NormalizedQuery, indexes: readonly IndexSpec[]): QueryPlan {
  let best: QueryPlan = { query, index: null, equal: [], range: [], sorted: false, descending: false };
  let bestScore = 0;
  for (const index of indexes) {
    const equal: Condition[] = [];
    for (const field of index.fields) {
      const eq = query.conditions.find((c) => c.field === field && c.op === 'eq');
      if (!eq) break;
      equal.push(eq);
    }
    const next = index.fields[equal.length];
    const range = next === undefined ? [] : query.conditions.filter((c) => c.field === next && RANGE_OPERATORS.has(c.op));
    const { sorted, descending } = orderFrom(query, index, equal.length);
    const score = equal.length * 4 + (range.length > 0 ? 2 : 0) + (sorted && query.orderBy.length > 0 ? 1 : 0);
    if (score > bestScore) {
      best = { query, index, equal, range, sorted, descending };
      bestScore = score;
    }
  }
  // With no index, a query that sorts nothing is "sorted" by key, as a scan reads it.
  if (best.index === null && query.orderBy.length === 0) return { ...best, sorted: true };
  return best;
}

/**
 * Results are ordered by the orderBy fields, then by document key in the direction of the last
 * orderBy field (ascending when there is none). Index entries come in the order of the index's
 * fields, then key; after the pinned fields that is the requested order exactly when the remaining
 * index fields are the requested ones (pinned ones left out), all in the tie-break's direction.
 */
function orderFrom(query: NormalizedQuery, index: IndexSpec, pinned: number): { sorted: boolean; descending: boolean } {
  const pinnedFields = new Set(index.fields.slice(0, pinned));
  const wanted = query.orderBy.filter((k) => !pinnedFields.has(k.field));
  const rest = index.fields.slice(pinned);
  const direction = tieBreakDirection(query);
  const sorted = wanted.length === rest.length && wanted.every((k, i) => k.field === rest[i] && k.direction === direction);
  return { sorted, descending: sorted && direction === 'desc' };
}

export function tieBreakDirection(query: NormalizedQuery): 'asc' | 'desc' {
  return query.orderBy.at(-1)?.direction ?? 'asc';
}

export function explainPlan(plan: QueryPlan): QueryExplanation {
  return {
    index: plan.index?.name ?? null,
    equalFields: plan.equal.length,
    rangeField: plan.range[0]?.field ?? null,
    sortedByIndex: plan.index !== null && plan.sorted,
  };
}
