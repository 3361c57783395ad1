import { SluiceError } from '../core/errors.ts';
import { assertJsonValue, isPlainObject, jsonPath, MAX_JSON_DEPTH } from '../core/json.ts';

/**
 * One flushed batch: the UTF-8 of `[` + record JSON joined by `,` + `]`.
 * `bytes.buffer` belongs to this batch alone, so a sink may transfer it to a worker instead of
 * cloning it. `firstSeq` is the append-order number of the first record; the batch's records are
 * numbered `firstSeq .. firstSeq + count - 1` without gaps, so receivers can order and dedupe.
 */
export interface EncodedBatch {
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly firstSeq: number;
}

/**
 * Validates an append record and returns its JSON text. A record must be a plain object whose
 * values JSON carries faithfully: `JSON.stringify` would otherwise drop `undefined` and functions,
 * turn NaN into null and call `toJSON` on class instances, so the receiver would get something else
 * than was appended. Shared, non-cyclic references are fine (JSON writes them twice).
 * `index` names the record's position when it came in an array.
 *
 * A record nested deeper than `MAX_JSON_DEPTH` is refused with `payload_too_deep`. With `maxBytes`,
 * a record whose JSON certainly exceeds it is refused with `payload_too_large` during the check, so
 * an oversized record is never stringified (callers still compare the exact size of what is returned).
 */
export function recordJson(value: unknown, index?: number, maxBytes = Number.POSITIVE_INFINITY): string {
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
      `The ${where} is over ${maxBytes} bytes of JSON, more than one batch can carry (refused at ${jsonPath(keys)} without serialising the rest). Split the record or raise flushBytes; nothing from this call was buffered.`,
      index === undefined ? { path: jsonPath(keys), limit: maxBytes } : { index, path: jsonPath(keys), limit: maxBytes },
    );
  }
  if (problem !== null) throw notJson(where, index, keys, problem);
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw notJson(where, index, [], `JSON.stringify threw (${(error as Error)?.message ?? String(error)})`, error);
  }
}

const TOO_DEEP = Symbol('too deep');
const TOO_LARGE = Symbol('too large');
type Problem = string | typeof TOO_DEEP | typeof TOO_LARGE;

interface Walk {
  /** The objects on the current path: a cycle is a value that is its own ancestor. Its length is the depth. */
  readonly ancestors: object[];
  /** The path to the current value, left pointing at the offending value on failure. */
  readonly keys: (string | number)[];
  /** A lower bound on the JSON's length so far: strings without escapes, numbers as one digit. */
  units: number;
  readonly maxBytes: number;
}

/**
 * Walks the value once; on failure returns the reason and leaves the path to the offending value
 * in `keys`, so the happy path builds no path strings. The depth limit keeps the recursion far
 * from the stack's end, and the running lower bound on the JSON's length stops the walk as soon as
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
      walk.units += 1;
      if (!Number.isFinite(value)) return `the number ${value} is not representable in JSON`;
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

/**
 * UTF-8 length of a string without encoding it. JSON.stringify escapes lone surrogates, but they
 * are counted as TextEncoder writes them (U+FFFD, 3 bytes) so the result always equals
 * `new TextEncoder().encode(text).length`.
 */
export function utf8ByteLength(text: string): number {
  const length = text.length;
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // 4 bytes for 2 code units
        i++;
      } else {
        bytes += 2;
      }
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/** Encoded size of a batch holding records whose JSON totals `recordBytes`: brackets and commas. */
export function batchByteLength(recordBytes: number, count: number): number {
  return recordBytes + count + 1;
}

/**
 * How many records, from `start`, go into the next batch: at most `maxCount`, encoded size at most
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

const encoder = new TextEncoder();

/** The batch text, kept by callers that may have to re-encode after a sink detached `bytes`. */
export function batchText(jsons: readonly string[], start: number, count: number): string {
  let text = '[';
  const end = start + count;
  for (let i = start; i < end; i++) {
    if (i > start) text += ',';
    text += jsons[i]!;
  }
  return text + ']';
}

/** One TextEncoder call per batch; the result owns its whole buffer so it can be transferred. */
export function encodeBatchText(text: string, count: number, firstSeq: number): EncodedBatch {
  let bytes = encoder.encode(text);
  if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== bytes.byteLength) bytes = bytes.slice();
  return { bytes, count, firstSeq };
}

/**
 * The records of an append batch received from a peer, checked by the rules append() applies
 * locally: a JSON array of plain objects, nested at most MAX_JSON_DEPTH deep. Anything else is
 * `invalid_payload` (or `payload_too_deep`), so no reader of the dataset ever meets a payload it
 * cannot parse.
 */
export function parseRecordBatch(text: string, what = 'append batch'): unknown[] {
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
    assertJsonValue(record, { what: `record ${i} of the ${what}` });
  }
  return parsed;
}
