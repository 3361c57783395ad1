import type { DatasetId } from '../../../src/core/dataset-id.ts';
import type { JsonValue } from '../../../src/core/json.ts';
import type { IndexSpec } from '../../../src/store/query/index-spec.ts';
import type { QueryPlan } from '../../../src/store/query/plan.ts';
import type { Condition } from '../../../src/store/query/query-spec.ts';
import { fieldValue, rankOf, RANK, type Scalar } from '../../../src/store/query/scalar-order.ts';

/*
 * A document's key in one collection index, as IndexedDB orders it, flat:
 *
 *   [datasetId, collection, indexName, rank1, value1, rank2, value2, ...]
 *
 * Each field is two elements: its type rank, then its value (booleans as 0/1; 0 for null, missing
 * and composites, whose rank alone orders them), so IndexedDB's array ordering is the shared order
 * of src/store/query/scalar-order.ts: rank first, then value. Flat, because IndexedDB deserialises
 * the entry with every row a query reads, and nested arrays cost more to read back.
 * IndexedDB orders entries with equal index keys by primary key ([datasetId, collection, key]), so
 * ties come in document key order without the key in the entry. An array sorts after every number
 * and string, so [...prefix, END] bounds everything that starts with the prefix.
 */

/** A key IndexedDB can order (Dexie's own IndexableType is too narrow for nested arrays). */
export type IdbKey = string | number | IdbKey[];

const END: IdbKey = [];

export function fieldKey(value: JsonValue | undefined): [number, number | string] {
  const rank = rankOf(value);
  switch (rank) {
    case RANK.boolean:
      return [rank, value ? 1 : 0];
    case RANK.number:
    case RANK.string:
      return [rank, value as number | string];
    default:
      return [rank, 0];
  }
}

export function indexKey(datasetId: DatasetId, collection: string, index: IndexSpec, value: JsonValue): IdbKey {
  return [datasetId, collection, index.name, ...index.paths.flatMap((p) => fieldKey(fieldValue(value, p)))];
}

export interface KeyRange {
  readonly lower: IdbKey;
  readonly upper: IdbKey;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
  /** The conditions the range answers exactly; the others are checked on each document. */
  readonly answered: ReadonlySet<Condition>;
}

/**
 * The stretch of the index a plan reads: the pinned fields, then the bounds of the first range
 * condition on the next field (within its operand's rank). Those conditions are answered exactly
 * by the range; any others are checked on each document read.
 */
export function planRange(datasetId: DatasetId, collection: string, plan: QueryPlan & { index: IndexSpec }): KeyRange {
  const prefix: IdbKey[] = [datasetId, collection, plan.index.name, ...plan.equal.flatMap((c) => fieldKey(c.value as Scalar))];
  const answered = new Set<Condition>(plan.equal);
  const c = plan.range[0];
  if (c === undefined) return { lower: prefix, upper: [...prefix, END], lowerOpen: false, upperOpen: true, answered };
  if (plan.range.length === 1) answered.add(c);
  const v = c.value as Scalar;
  const at = fieldKey(v);
  const rankStart = [...prefix, rankOf(v)];
  const rankEnd = [...prefix, rankOf(v), END];
  switch (c.op) {
    case 'gt':
      return { lower: [...prefix, ...at, END], lowerOpen: true, upper: rankEnd, upperOpen: true, answered };
    case 'gte':
      return { lower: [...prefix, ...at], lowerOpen: false, upper: rankEnd, upperOpen: true, answered };
    case 'lt':
      return { lower: rankStart, lowerOpen: false, upper: [...prefix, ...at], upperOpen: true, answered };
    case 'lte':
      return { lower: rankStart, lowerOpen: false, upper: [...prefix, ...at, END], upperOpen: true, answered };
    default: {
      const successor = codeUnitSuccessor(v as string);
      return { lower: [...prefix, ...at], lowerOpen: false, upper: successor === null ? rankEnd : [...prefix, ...fieldKey(successor)], upperOpen: true, answered };
    }
  }
}

/** The least string, in UTF-16 code unit order (IndexedDB's), after every string starting with `prefix`. */
function codeUnitSuccessor(prefix: string): string | null {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const unit = prefix.charCodeAt(i);
    if (unit < 0xffff) return prefix.slice(0, i) + String.fromCharCode(unit + 1);
  }
  return null;
}
