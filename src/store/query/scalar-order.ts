import type { JsonValue } from '../../core/json.ts';

/*
 * One order for field values, shared by every adapter so a query returns the same documents in
 * the same order on SQLite, PostgreSQL, IndexedDB and memory. Values are ranked by type first:
 *
 *   missing or null  <  false < true  <  numbers  <  strings  <  objects and arrays
 *
 * A range operator (gt, gte, lt, lte) only matches values of its operand's type: `gt: 5` never
 * matches a string. Objects and arrays are never compared with each other (they rank equal).
 * Strings compare by UTF-16 code unit here and in IndexedDB, by code point in SQLite and
 * PostgreSQL; the two differ only between U+E000..U+FFFF and characters beyond U+FFFF.
 */

export type Scalar = string | number | boolean | null;

export const RANK = { null: 0, boolean: 1, number: 2, string: 3, composite: 4 } as const;
export type Rank = (typeof RANK)[keyof typeof RANK];

export function rankOf(value: JsonValue | undefined): Rank {
  if (value === null || value === undefined) return RANK.null;
  switch (typeof value) {
    case 'boolean':
      return RANK.boolean;
    case 'number':
      return RANK.number;
    case 'string':
      return RANK.string;
    default:
      return RANK.composite;
  }
}

/** Negative, zero or positive, as `a` sorts before, with or after `b`. */
export function compareValues(a: JsonValue | undefined, b: JsonValue | undefined): number {
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case RANK.boolean:
      return Number(a) - Number(b);
    case RANK.number:
      return (a as number) - (b as number);
    case RANK.string:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    default:
      return 0;
  }
}

/**
 * The value at `path` inside a document value: only plain objects are walked (never arrays, so
 * `length` is not a field), and only own properties. Anything else is missing.
 */
export function fieldValue(value: JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let at: JsonValue | undefined = value;
  for (const segment of path) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, segment)) return undefined;
    at = (at as Record<string, JsonValue>)[segment];
  }
  return at;
}
