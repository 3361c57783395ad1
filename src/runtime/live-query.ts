import type { JsonValue } from '../core/json.ts';
import { compareForQuery, matchesQuery } from '../store/query/evaluate.ts';
import type { NormalizedQuery } from '../store/query/query-spec.ts';
import type { CollectionChange } from './collection.ts';

export interface QueryRow<T> {
  readonly key: string;
  readonly value: T;
}

/** What a live query delivers: the whole current result, and what changed since the last delivery. */
export interface QueryResult<T> {
  readonly documents: readonly QueryRow<T>[];
  /** null on the first delivery. */
  readonly changes: { readonly added: readonly QueryRow<T>[]; readonly updated: readonly QueryRow<T>[]; readonly removed: readonly string[] } | null;
}

type Row = QueryRow<JsonValue>;

/**
 * Keeps one query's result current from change events, without running the query again where the
 * change itself says where a document goes: a document that now matches is placed by the query's
 * order, one that no longer matches is dropped. The query runs again only when the window cannot
 * be completed from what is known: a document left a full page (the next one is in storage), or
 * the query has an offset (a change before the page shifts it).
 */
export class LiveQueryState {
  private rows: Row[] = [];
  private readonly compare: (a: Row, b: Row) => number;

  constructor(private readonly query: NormalizedQuery) {
    this.compare = compareForQuery(query);
  }

  get documents(): readonly Row[] {
    return this.rows;
  }

  reset(rows: Row[]): void {
    this.rows = rows;
  }

  /** Folds changes in; returns false when the query must run again to be exact. */
  apply(changes: readonly CollectionChange[]): boolean {
    const { limit, offset } = this.query;
    if (offset > 0) return false;
    for (const change of changes) {
      const full = limit !== null && this.rows.length >= limit;
      const at = this.rows.findIndex((r) => r.key === change.key);
      if (at >= 0) this.rows.splice(at, 1);
      const matches = change.value !== undefined && matchesQuery(change.value, this.query);
      if (matches) {
        const row = { key: change.key, value: change.value as JsonValue };
        const position = this.position(row);
        // After the last row of a full page it belongs to a later page; if it was on this page,
        // a document only in storage may now come before it, so only a new run can tell.
        if (full && position >= this.rows.length) {
          if (at >= 0) return false;
          continue;
        }
        this.rows.splice(position, 0, row);
        if (limit !== null && this.rows.length > limit) this.rows.pop();
      } else if (at >= 0 && full) {
        return false; // a row left a full page: the next one is only in storage
      }
    }
    return true;
  }

  private position(row: Row): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.rows[mid]!, row) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** What changed between two results, by key. */
export function diffRows<T>(before: readonly QueryRow<T>[], after: readonly QueryRow<T>[]): NonNullable<QueryResult<T>['changes']> {
  const old = new Map(before.map((r) => [r.key, r.value]));
  const added: QueryRow<T>[] = [];
  const updated: QueryRow<T>[] = [];
  const seen = new Set<string>();
  for (const r of after) {
    seen.add(r.key);
    if (!old.has(r.key)) added.push(r);
    else if (JSON.stringify(old.get(r.key)) !== JSON.stringify(r.value)) updated.push(r);
  }
  return { added, updated, removed: before.filter((r) => !seen.has(r.key)).map((r) => r.key) };
}
