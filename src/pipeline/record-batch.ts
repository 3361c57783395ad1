import { SluiceError } from '../core/errors.ts';
import { isPlainObject, jsonPath, jsonTextDepth, MAX_JSON_DEPTH } from '../core/json.ts';

/**
 * One batch cut from an append buffer: the records themselves, not their encoding. A batch crosses
 * to the dataset's pipeline as it is (structured clone into a worker), and the pipeline encodes it
 * once, so a busy calling thread never serialises records. The batch's records are numbered
 * `firstSeq .. firstSeq + count - 1` without gaps; `source` names the buffer that numbered them,
 * so `(source, firstSeq)` identifies a batch and a pipeline can drop a retried batch it already stored.
 */
export interface RecordBatch {
  readonly records: readonly object[];
  readonly count: number;
  readonly firstSeq: number;
  readonly source: string;
}

/**
 * Validates an append record and returns an estimate of its JSON length, without serialising it.
 * A record must be a plain object whose values JSON carries faithfully: `JSON.stringify` would
 * otherwise drop `undefined` and functions, turn NaN into null and call `toJSON` on class instances,
 * so the receiver would get something else than was appended. Shared, non-cyclic references are fine
 * (JSON writes them twice). `index` names the record's position when it came in an array.
 *
 * The estimate is exact for ASCII strings without escapes, integers, booleans, null and structure;
 * a fraction counts 18 characters (most doubles print in 17 to 20). It bounds the buffer and cuts
 * batches; the pipeline that encodes a batch checks the real size.
 *
 * A record nested deeper than `MAX_JSON_DEPTH` is refused with `payload_too_deep`. With `maxBytes`,
 * a record whose estimate exceeds it is refused with `payload_too_large` as soon as the walk passes it.
 */
export function recordSize(value: unknown, index?: number, maxBytes = Number.POSITIVE_INFINITY): number {
  const where = index === undefined ? 'record' : `records[${index}]`;
  if (!isPlainObject(value)) {
    throw new SluiceError(
      'invalid_payload',
      `The ${where} is ${describe(value)}; append() takes a plain object like { level: "info", msg: "..." } or an array of them.`,
      index === undefined ? { path: '$' } : { index, path: '$' },
    );
  }
  const keys: (string | number)[] = [];
  const walk: Walk = { ancestors: [], keys, units: 0, maxBytes };
  let problem: Problem | null;
  try {
    problem = checkValue(value, walk);
  } catch (error) {
    throw notJson(where, index, keys, `reading it threw (${(error as Error)?.message ?? String(error)})`, error);
  }
  if (problem === TOO_DEEP) {
    throw new SluiceError(
      'payload_too_deep',
      `The ${where} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep (at ${jsonPath(keys)}): flatten it; nothing from this call was buffered.`,
      index === undefined ? { path: jsonPath(keys), limit: MAX_JSON_DEPTH } : { index, path: jsonPath(keys), limit: MAX_JSON_DEPTH },
    );
  }
  if (problem === TOO_LARGE) {
    throw new SluiceError(
      'payload_too_large',
      `The ${where} is over ${maxBytes} bytes of JSON, more than one batch can carry (refused at ${jsonPath(keys)} without reading the rest). Split the record or raise flushBytes; nothing from this call was buffered.`,
      index === undefined ? { path: jsonPath(keys), limit: maxBytes } : { index, path: jsonPath(keys), limit: maxBytes },
    );
  }
  if (problem !== null) throw notJson(where, index, keys, problem);
  return walk.units;
}

const TOO_DEEP = Symbol('too deep');
const TOO_LARGE = Symbol('too large');
type Problem = string | typeof TOO_DEEP | typeof TOO_LARGE;

interface Walk {
  /** The objects on the current path: a cycle is a value that is its own ancestor. Its length is the depth. */
  readonly ancestors: object[];
  /** The path to the current value, left pointing at the offending value on failure. */
  readonly keys: (string | number)[];
  /** The estimated JSON length so far (see `recordSize`). */
  units: number;
  readonly maxBytes: number;
}

/**
 * Walks the value once; on failure returns the reason and leaves the path to the offending value
 * in `keys`, so the happy path builds no path strings. The depth limit keeps the recursion far
 * from the stack's end, and the running estimate of the JSON's length stops the walk as soon as
 * the record cannot fit.
 */
function checkValue(value: unknown, walk: Walk): Problem | null {
  switch (typeof value) {
    case 'string':
      walk.units += value.length + 2;
      return walk.units > walk.maxBytes ? TOO_LARGE : null;
    case 'boolean':
      walk.units += value ? 4 : 5;
      return walk.units > walk.maxBytes ? TOO_LARGE : null;
    case 'number':
      if (!Number.isFinite(value)) return `the number ${value} is not representable in JSON`;
      walk.units += numberLength(value);
      return walk.units > walk.maxBytes ? TOO_LARGE : null;
    case 'object': {
      if (value === null) {
        walk.units += 4;
        return walk.units > walk.maxBytes ? TOO_LARGE : null;
      }
      const { ancestors, keys } = walk;
      if (ancestors.includes(value)) return 'it contains a cycle';
      if (ancestors.length >= MAX_JSON_DEPTH) return TOO_DEEP;
      if (Array.isArray(value)) {
        // '[' + one character per element + commas + ']', before walking any of them
        if (walk.units + Math.max(2, 2 * value.length + 1) > walk.maxBytes) return TOO_LARGE;
        walk.units += Math.max(2, value.length + 1);
        ancestors.push(value);
        for (let i = 0; i < value.length; i++) {
          keys.push(i);
          const problem = checkValue(value[i], walk);
          if (problem !== null) return problem;
          keys.pop();
        }
      } else if (isPlainObject(value)) {
        const names = Object.keys(value);
        // '{' + '"":' and one character per field + commas + '}'
        if (walk.units + Math.max(2, 5 * names.length + 1) > walk.maxBytes) return TOO_LARGE;
        walk.units += Math.max(2, names.length + 1);
        ancestors.push(value);
        for (const key of names) {
          keys.push(key);
          walk.units += key.length + 3;
          const problem = checkValue((value as Record<string, unknown>)[key], walk);
          if (problem !== null) return problem;
          keys.pop();
        }
      } else {
        return `${Object.prototype.toString.call(value)} is not a plain object, array or primitive (convert it first, e.g. a Date to its ISO string)`;
      }
      ancestors.pop();
      return null;
    }
    case 'undefined':
      return 'undefined is not representable in JSON (leave the field out or use null)';
    default:
      return `a ${typeof value} is not representable in JSON`;
  }
}

function notJson(where: string, index: number | undefined, keys: (string | number)[], reason: string, cause?: unknown): SluiceError {
  const path = jsonPath(keys);
  return new SluiceError(
    'invalid_payload',
    `The ${where} is not JSON at ${path}: ${reason}. Append only plain objects of strings, finite numbers, booleans, null, arrays and plain objects; nothing from this call was buffered.`,
    index === undefined ? { path } : { index, path },
    cause === undefined ? undefined : { cause },
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `a ${typeof value}`;
  return Object.prototype.toString.call(value);
}

/** Characters JSON.stringify writes for a finite number: exact for safe integers, 18 for the rest. */
function numberLength(n: number): number {
  if (!Number.isSafeInteger(n)) return 18;
  let length = n < 0 ? 2 : 1;
  for (let v = Math.abs(n); v >= 10; v = Math.floor(v / 10)) length++;
  return length;
}

/** Estimated size of a batch holding records whose JSON totals `recordBytes`: brackets and commas. */
export function batchByteLength(recordBytes: number, count: number): number {
  return recordBytes + count + 1;
}

/**
 * How many records, from `start`, go into the next batch: at most `maxCount`, estimated size at most
 * `maxBytes`, and (when `seqs` is given) no gap in sequence numbers. The first record always
 * goes in: append() refuses records whose one-record batch would exceed the byte bound.
 */
export function cutCount(
  sizes: readonly number[],
  seqs: readonly number[] | undefined,
  start: number,
  end: number,
  maxCount: number,
  maxBytes: number,
): number {
  let bytes = sizes[start]! + 2;
  let i = start + 1;
  while (i < end && i - start < maxCount) {
    const next = bytes + 1 + sizes[i]!;
    if (next > maxBytes) break;
    if (seqs !== undefined && seqs[i] !== seqs[i - 1]! + 1) break;
    bytes = next;
    i++;
  }
  return i - start;
}

/**
 * The batch's JSON text, `[` + records + `]`: one native call, on the pipeline's thread. A record
 * changed after append() into something JSON cannot hold (a cycle, a BigInt) fails the batch with
 * `invalid_payload`; what JSON.stringify silently rewrites is checked by the receiver's parse.
 */
export function encodeRecords(records: readonly object[]): string {
  try {
    return JSON.stringify(records);
  } catch (error) {
    throw new SluiceError('invalid_payload', `An append batch could not be encoded (${(error as Error)?.message ?? String(error)}): a record was changed after append() into something JSON cannot hold. Do not mutate records once appended.`, {}, { cause: error });
  }
}

/**
 * The records of an append batch received from a peer, checked by the rules append() applies
 * locally: a JSON array of plain objects, nested at most MAX_JSON_DEPTH deep. Anything else is
 * `invalid_payload` (or `payload_too_deep`), so no reader of the dataset ever meets a payload it
 * cannot parse. The depth is read from the text before parsing; what JSON.parse returns holds
 * nothing but JSON values, so the records need no further walk.
 */
export function parseRecordBatch(text: string, what = 'append batch'): unknown[] {
  if (jsonTextDepth(text) > MAX_JSON_DEPTH + 1) {
    throw new SluiceError('payload_too_deep', `The ${what} nests deeper than ${MAX_JSON_DEPTH} levels inside its records.`, { limit: MAX_JSON_DEPTH });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SluiceError('invalid_payload', `The ${what} is not JSON (${(error as Error).message}): an append batch is a JSON array of records.`, { path: '$' });
  }
  if (!Array.isArray(parsed)) {
    throw new SluiceError('invalid_payload', `The ${what} is ${describe(parsed)}, not an array of records.`, { path: '$' });
  }
  for (let i = 0; i < parsed.length; i++) {
    const record: unknown = parsed[i];
    if (!isPlainObject(record)) throw new SluiceError('invalid_payload', `Record ${i} of the ${what} is ${describe(record)}, not an object.`, { index: i, path: `$[${i}]` });
  }
  return parsed;
}
