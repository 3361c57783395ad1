import { SluiceError } from '../../core/errors.ts';
import { preview } from '../../core/option-checks.ts';
import type { Scalar } from './scalar-order.ts';

/*
 * What an app passes to `collection.query()`, and the checked, plain-data form every adapter
 * receives. The check runs once, where the query is made, so an adapter (or a worker across a
 * message channel) only ever sees a well-formed query of bounded size.
 */

export type { Scalar } from './scalar-order.ts';

export interface FieldOperators {
  readonly eq?: Scalar;
  readonly ne?: Scalar;
  readonly gt?: string | number | boolean;
  readonly gte?: string | number | boolean;
  readonly lt?: string | number | boolean;
  readonly lte?: string | number | boolean;
  readonly in?: readonly Scalar[];
  readonly prefix?: string;
}

/** `{ status: 'open', updatedAt: { gt: 1700000000 } }`: a bare value means eq; every field must match. Dotted names reach nested fields. */
export type Where = Readonly<Record<string, Scalar | FieldOperators>>;

export type Direction = 'asc' | 'desc';
export type OrderTerm = string | Readonly<Record<string, Direction>>;
/** `'updatedAt'`, `{ updatedAt: 'desc' }`, or a list of those. Ties are broken by document key. */
export type OrderBy = OrderTerm | readonly OrderTerm[];

export interface QueryOptions {
  readonly where?: Where;
  readonly orderBy?: OrderBy;
  readonly limit?: number;
  readonly offset?: number;
}

export type Operator = keyof FieldOperators;
export const OPERATORS: readonly Operator[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'prefix'];
export const RANGE_OPERATORS: ReadonlySet<Operator> = new Set(['gt', 'gte', 'lt', 'lte', 'prefix']);

export interface Condition {
  readonly field: string;
  readonly path: readonly string[];
  readonly op: Operator;
  /** A list for `in`, a scalar otherwise. */
  readonly value: Scalar | readonly Scalar[];
}

export interface SortKey {
  readonly field: string;
  readonly path: readonly string[];
  readonly direction: Direction;
}

export interface NormalizedQuery {
  readonly conditions: readonly Condition[];
  readonly orderBy: readonly SortKey[];
  /** null: no limit. */
  readonly limit: number | null;
  readonly offset: number;
}

/** Bounds that keep the cost of one query's checking, planning and SQL text small. */
export const QUERY_LIMITS = { conditions: 32, inValues: 1000, orderBy: 8, pathSegments: 8, stringBytes: 4096, offset: 1_000_000_000 } as const;

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A field name: dotted identifiers, safe to embed in a JSON path in SQL. */
export function parseField(field: unknown, where: string): string[] {
  const fail = () =>
    new SluiceError('invalid_query', `${where}: field ${preview(field)} is not a field name. Use identifiers (A-Z, a-z, 0-9, _; not starting with a digit) joined by dots for nested fields, at most ${QUERY_LIMITS.pathSegments} deep, e.g. "status" or "owner.id".`, { field: where });
  if (typeof field !== 'string') throw fail();
  const path = field.split('.');
  if (path.length > QUERY_LIMITS.pathSegments || !path.every((s) => SEGMENT.test(s))) throw fail();
  return path;
}

export function normalizeQuery(options: unknown): NormalizedQuery {
  if (options === undefined) return { conditions: [], orderBy: [], limit: null, offset: 0 };
  if (!isPlainObject(options)) throw bad('query', `the query must be an object { where?, orderBy?, limit?, offset? }, got ${preview(options)}`);
  for (const k of Object.keys(options)) {
    if (!['where', 'orderBy', 'limit', 'offset'].includes(k)) throw bad(k, `unknown query option ${preview(k)}; use where, orderBy, limit and offset`);
  }
  const { where, orderBy, limit, offset } = options as Record<string, unknown>;
  return {
    conditions: normalizeWhere(where),
    orderBy: normalizeOrderBy(orderBy),
    limit: limit === undefined ? null : count(limit, 'limit'),
    offset: offset === undefined ? 0 : count(offset, 'offset'),
  };
}

function normalizeWhere(where: unknown): Condition[] {
  if (where === undefined) return [];
  if (!isPlainObject(where)) throw bad('where', `where must be an object of field conditions, e.g. { status: 'open', updatedAt: { gt: 5 } }, got ${preview(where)}`);
  const conditions: Condition[] = [];
  for (const [field, spec] of Object.entries(where)) {
    const path = parseField(field, 'where');
    if (isPlainObject(spec)) {
      const ops = Object.entries(spec);
      if (ops.length === 0) throw bad(`where.${field}`, `where.${field} has no operator; use one of ${OPERATORS.join(', ')}`);
      for (const [op, value] of ops) conditions.push(condition(field, path, op, value));
    } else {
      conditions.push(condition(field, path, 'eq', spec));
    }
    if (conditions.length > QUERY_LIMITS.conditions) throw bad('where', `a query may have at most ${QUERY_LIMITS.conditions} conditions`);
  }
  return conditions;
}

function condition(field: string, path: string[], op: string, value: unknown): Condition {
  const at = `where.${field}.${op}`;
  if (!(OPERATORS as readonly string[]).includes(op)) throw bad(`where.${field}`, `unknown operator ${preview(op)} on where.${field}; use one of ${OPERATORS.join(', ')}`);
  switch (op as Operator) {
    case 'eq':
    case 'ne':
      return { field, path, op: op as Operator, value: scalar(value, at, true) };
    case 'in': {
      if (!Array.isArray(value) || value.length > QUERY_LIMITS.inValues) throw bad(at, `${at} must be an array of at most ${QUERY_LIMITS.inValues} values (strings, numbers, booleans or null), got ${preview(value)}`);
      return { field, path, op: 'in', value: value.map((v, i) => scalar(v, `${at}[${i}]`, true)) };
    }
    case 'prefix':
      if (typeof value !== 'string') throw bad(at, `${at} must be a string, got ${preview(value)}`);
      return { field, path, op: 'prefix', value: scalar(value, at, false) };
    default:
      return { field, path, op: op as Operator, value: scalar(value, at, false) };
  }
}

function scalar(value: unknown, at: string, nullable: boolean): Scalar {
  if (value === null && nullable) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    // Measured in UTF-16 units times 3: an upper bound of its UTF-8 size, without encoding it.
    if (value.length * 3 > QUERY_LIMITS.stringBytes && new TextEncoder().encode(value).length > QUERY_LIMITS.stringBytes) {
      throw bad(at, `${at} is longer than ${QUERY_LIMITS.stringBytes} bytes`);
    }
    return value;
  }
  throw bad(at, `${at} must be a string, a finite number or a boolean${nullable ? ', or null' : ''}; got ${preview(value)}`);
}

function normalizeOrderBy(orderBy: unknown): SortKey[] {
  if (orderBy === undefined) return [];
  const terms = Array.isArray(orderBy) ? orderBy : [orderBy];
  const keys: SortKey[] = [];
  for (const term of terms as unknown[]) {
    if (typeof term === 'string') {
      keys.push({ field: term, path: parseField(term, 'orderBy'), direction: 'asc' });
    } else if (isPlainObject(term)) {
      for (const [field, direction] of Object.entries(term)) {
        if (direction !== 'asc' && direction !== 'desc') throw bad('orderBy', `orderBy.${field} must be 'asc' or 'desc', got ${preview(direction)}`);
        keys.push({ field, path: parseField(field, 'orderBy'), direction });
      }
    } else {
      throw bad('orderBy', `orderBy takes a field name, { field: 'asc' | 'desc' }, or a list of those; got ${preview(term)}`);
    }
    if (keys.length > QUERY_LIMITS.orderBy) throw bad('orderBy', `orderBy may name at most ${QUERY_LIMITS.orderBy} fields`);
  }
  return keys;
}

function count(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= QUERY_LIMITS.offset) return value;
  throw bad(field, `${field} must be a whole number from 0 to ${QUERY_LIMITS.offset}, got ${preview(value)}`);
}

function bad(field: string, message: string): SluiceError {
  return new SluiceError('invalid_query', `Invalid query: ${message}.`, { field });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
