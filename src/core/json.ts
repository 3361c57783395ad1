import { SluiceError } from './errors.ts';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Deepest nesting of arrays and objects a stored value may have: 64 levels. `[]` and `{}` are one
 * level, `{ "a": [1] }` two, a string or number none. Deeper values are refused with
 * `payload_too_deep` before anything recursive can overflow the stack; store deep trees flattened
 * (a document per node, keyed by its path) instead. Documents, append records, checkpoint values
 * and sink positions all share this limit.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Resolver metadata mirrors the document it describes with a few levels per level of the value
 * (json-merge keeps a clock node, a field map and an item per level), so it gets a proportional limit.
 */
export const MAX_META_DEPTH = 4 * MAX_JSON_DEPTH + 8;

/** Bounds on one value's JSON, checked while the value is walked. */
export interface JsonLimits {
  /**
   * Refuse the value with `payload_too_large` once its JSON exceeds this many UTF-8 bytes. The
   * walk stops as soon as the output is known to be over the limit, so an oversized value costs
   * about `maxBytes` of work, not its own size. Default: no limit.
   */
  readonly maxBytes?: number;
  /** Refuse the value with `payload_too_deep` when it nests deeper than this. Default `MAX_JSON_DEPTH`. */
  readonly maxDepth?: number;
  /** What the value is, for error messages, e.g. `document todos/k1`. Default `the value`. */
  readonly what?: string;
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, numbers and strings as
 * `JSON.stringify` writes them (ECMAScript fixes both, so every runtime agrees byte for byte).
 * Anything JSON cannot carry faithfully (undefined, functions, NaN, Infinity, bigint, class
 * instances, cycles) is rejected instead of being silently changed, values nested deeper than
 * `limits.maxDepth` (default `MAX_JSON_DEPTH`) with `payload_too_deep`, and, when
 * `limits.maxBytes` is set, output over that many UTF-8 bytes with `payload_too_large`.
 */
export function canonicalJson(value: unknown, limits?: JsonLimits): string {
  const walk = new JsonWalk(limits, []);
  walk.visit(value, 0);
  const text = walk.out!.join('');
  walk.assertExactSize(text);
  return text;
}

/**
 * The checks of `canonicalJson` without building its output: same errors, same paths (keys are
 * visited in the same sorted order). A value that passes can still be refused by `canonicalJson`
 * for its size (escapes and multi-byte characters are not counted here), never for anything else.
 * Cheaper than serialising, for callers that must refuse bad values before handing them on (e.g.
 * across a worker boundary).
 */
export function assertJsonValue(value: unknown, limits?: JsonLimits): void {
  new JsonWalk(limits, null).visit(value, 0);
}

/**
 * One walk over a value. `units` counts the UTF-16 code units of the output so far: a lower bound
 * on its UTF-8 bytes (every code unit becomes at least one byte), so `units > maxBytes` means the
 * value is certainly too large and the walk can stop. Before a large piece is written (a long
 * string, a big array or object), the least it can add is checked first, so a 100 MB string or a
 * million-element array is refused without being stringified or sorted. `keys` is the path to the
 * current value; paths are built only for errors.
 */
class JsonWalk {
  readonly out: string[] | null;
  private units = 0;
  private readonly maxBytes: number;
  private readonly maxDepth: number;
  private readonly what: string;
  private readonly seen = new Set<object>();
  private readonly keys: (string | number)[] = [];

  constructor(limits: JsonLimits | undefined, out: string[] | null) {
    this.out = out;
    this.maxBytes = limits?.maxBytes ?? Number.POSITIVE_INFINITY;
    this.maxDepth = limits?.maxDepth ?? MAX_JSON_DEPTH;
    this.what = limits?.what ?? 'the value';
  }

  visit(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'string':
        this.string(value);
        return;
      case 'boolean':
        this.piece(value ? 'true' : 'false');
        return;
      case 'number':
        if (!Number.isFinite(value)) throw this.notJson(`the number ${value} is not representable in JSON`);
        if (this.out) this.piece(JSON.stringify(value));
        else this.grow(1);
        return;
      case 'object':
        if (value === null) {
          this.piece('null');
          return;
        }
        this.container(value, depth + 1);
        return;
      default:
        throw this.notJson(`a ${typeof value} is not representable in JSON`);
    }
  }

  private container(value: object, depth: number): void {
    if (depth > this.maxDepth) throw this.tooDeep();
    if (this.seen.has(value)) throw this.notJson('it contains a cycle');
    const out = this.out;
    const keys = this.keys;
    if (Array.isArray(value)) {
      const length = value.length;
      // '[' + one character per element + commas + ']'
      this.need(length === 0 ? 2 : 2 * length + 1);
      this.seen.add(value);
      if (out) out.push('[');
      this.units += 1;
      for (let i = 0; i < length; i++) {
        if (i > 0) {
          if (out) out.push(',');
          this.units += 1;
        }
        keys.push(i);
        this.visit(value[i], depth);
        keys.pop();
      }
      if (out) out.push(']');
      this.grow(1);
    } else if (isPlainObject(value)) {
      const names = Object.keys(value);
      // '{' + '"":' and one character per field + commas + '}', checked before sorting
      this.need(names.length === 0 ? 2 : 5 * names.length + 1);
      // Sorted in both modes, so a value with several problems is reported at the same path either way.
      names.sort();
      this.seen.add(value);
      if (out) out.push('{');
      this.units += 1;
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        keys.push(name);
        if (i > 0) {
          if (out) out.push(',');
          this.units += 1;
        }
        this.string(name);
        if (out) out.push(':');
        this.units += 1;
        this.visit((value as Record<string, unknown>)[name], depth);
        keys.pop();
      }
      if (out) out.push('}');
      this.grow(1);
    } else {
      throw this.notJson(`${Object.prototype.toString.call(value)} is not a plain object, array or primitive`);
    }
    this.seen.delete(value);
  }

  private string(value: string): void {
    // Quotes plus at least one code unit per character: refuse before JSON.stringify copies it.
    this.need(value.length + 2);
    if (this.out) this.piece(JSON.stringify(value));
    else this.grow(value.length + 2);
  }

  private piece(text: string): void {
    this.out?.push(text);
    this.grow(text.length);
  }

  private grow(units: number): void {
    this.units += units;
    if (this.units > this.maxBytes) throw this.tooLarge();
  }

  /** Refuses now if the next `units` code units would certainly take the output over the limit. */
  private need(units: number): void {
    if (this.units + units > this.maxBytes) throw this.tooLarge();
  }

  /** The exact UTF-8 check, for output whose code units fit but whose bytes may not. */
  assertExactSize(text: string): void {
    const max = this.maxBytes;
    if (text.length * 3 <= max) return;
    const size = utf8Length(text);
    if (size > max) {
      throw new SluiceError(
        'payload_too_large',
        `The JSON of ${this.what} is ${size} bytes, over the ${max}-byte limit: split the document, or raise maxPayloadBytes on the storage adapter.`,
        { size, limit: max },
      );
    }
  }

  private tooLarge(): SluiceError {
    const path = this.path();
    return new SluiceError(
      'payload_too_large',
      `The JSON of ${this.what} is over the ${this.maxBytes}-byte limit (refused at ${path} without serialising the rest): split the document, or raise maxPayloadBytes on the storage adapter.`,
      { limit: this.maxBytes, path },
    );
  }

  private tooDeep(): SluiceError {
    const path = this.path();
    return new SluiceError(
      'payload_too_deep',
      `${capitalise(this.what)} nests arrays and objects more than ${this.maxDepth} levels deep (at ${path}): flatten it, e.g. store deep children as their own documents keyed by their path.`,
      { limit: this.maxDepth, path },
    );
  }

  private notJson(reason: string): SluiceError {
    const path = this.path();
    return new SluiceError('invalid_payload', `Payload is not JSON at ${path}: ${reason}. Store only plain objects, arrays, strings, finite numbers, booleans and null.`, { path });
  }

  private path(): string {
    return jsonPath(this.keys);
  }
}

const MAX_PATH_CHARS = 200;

/** `$.a[0].b`, shortened to about 200 characters (keys can be long and paths up to 64 levels deep). */
export function jsonPath(keys: readonly (string | number)[]): string {
  let path = '$';
  for (const key of keys) {
    path += typeof key === 'number' ? `[${key}]` : `.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`;
    if (path.length > MAX_PATH_CHARS) return `${path.slice(0, MAX_PATH_CHARS)}…`;
  }
  return path;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const encoder = new TextEncoder();

export function utf8Length(text: string): number {
  // Fast path: pure ASCII strings are the common case and need no encoding.
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  return ascii ? text.length : encoder.encode(text).length;
}

/**
 * How deeply arrays and objects nest in a JSON text, found by one scan of the characters (strings
 * skipped), without parsing: a receiver refuses a payload nested too deeply before any recursive
 * code (a resolver folding it, a parser) can overflow its stack on it.
 */
export function jsonTextDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}
