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
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, numbers and strings as
 * `JSON.stringify` writes them (ECMAScript fixes both, so every runtime agrees byte for byte).
 * Anything JSON cannot carry faithfully (undefined, functions, NaN, Infinity, bigint, class
 * instances, cycles) is rejected instead of being silently changed.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  writeCanonical(value, out, new Set(), '$');
  return out.join('');
}

function writeCanonical(value: unknown, out: string[], seen: Set<object>, path: string): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, `the number ${value} is not representable in JSON`);
      out.push(JSON.stringify(value));
      return;
    case 'object': {
      if (value === null) {
        out.push('null');
        return;
      }
      if (seen.has(value)) throw notJson(path, 'it contains a cycle');
      seen.add(value);
      if (Array.isArray(value)) {
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',');
          writeCanonical(value[i], out, seen, `${path}[${i}]`);
        }
        out.push(']');
      } else if (isPlainObject(value)) {
        const keys = Object.keys(value).sort();
        out.push('{');
        let first = true;
        for (const key of keys) {
          if (!first) out.push(',');
          first = false;
          out.push(JSON.stringify(key), ':');
          writeCanonical((value as Record<string, unknown>)[key], out, seen, `${path}.${key}`);
        }
        out.push('}');
      } else {
        throw notJson(path, `${Object.prototype.toString.call(value)} is not a plain object, array or primitive`);
      }
      seen.delete(value);
      return;
    }
    default:
      throw notJson(path, `a ${typeof value} is not representable in JSON`);
  }
}

function notJson(path: string, reason: string): SluiceError {
  return new SluiceError('invalid_payload', `Payload is not JSON at ${path}: ${reason}. Store only plain objects, arrays, strings, finite numbers, booleans and null.`, { path });
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
