import { writeFrame } from '../src/protocol/frame.ts';
import { MESSAGE_TYPES, type MessageKind } from '../src/protocol/messages.ts';

/*
 * Hand-written protobuf pieces. The project's codec refuses to write some of what an attacker
 * sends (invalid UTF-8, overlong varints, lengths that point past the end), so those payloads are
 * assembled here field by field, in the wire format of proto/sync.proto.
 */

export const WIRE_VARINT = 0;
export const WIRE_LEN = 2;

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** concat for long lists (spreading 100k arguments overflows the stack). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Unsigned LEB128 of any size (protobuf varints stop at 10 bytes; longer ones are malformed on purpose). */
export function varint(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) v = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}

/** A varint padded with continuation bytes to `length` bytes: legal up to 10, malformed beyond. */
export function overlongVarint(value: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = 0; i < length; i++) {
    out[i] = (v & 0x7f) | (i < length - 1 ? 0x80 : 0);
    v = Math.floor(v / 128);
  }
  return out;
}

export function key(field: number, wireType: number): Uint8Array {
  return varint((field << 3) | wireType);
}

export function lenField(field: number, bytes: Uint8Array): Uint8Array {
  return concat(key(field, WIRE_LEN), varint(bytes.length), bytes);
}

/** A length-delimited field whose declared length is `declared`, whatever follows. */
export function lyingLenField(field: number, declared: bigint | number, bytes: Uint8Array): Uint8Array {
  return concat(key(field, WIRE_LEN), varint(declared), bytes);
}

export function strField(field: number, text: string | Uint8Array): Uint8Array {
  return lenField(field, typeof text === 'string' ? utf8(text) : text);
}

export function varintField(field: number, value: bigint | number): Uint8Array {
  return concat(key(field, WIRE_VARINT), varint(value));
}

/** A whole frame for `kind` around a payload, with any flags and request id. */
export function frameOf(kind: MessageKind, payload: Uint8Array, requestId: number, flags = 0): Uint8Array {
  return writeFrame(MESSAGE_TYPES[kind], flags, requestId, payload);
}

/** Lower-case hex of the first `max` bytes, with the total length when cut. */
export function hexPreview(bytes: Uint8Array, max = 512): string {
  const hex = Buffer.from(bytes.subarray(0, max)).toString('hex');
  return bytes.length > max ? `${hex}…(+${bytes.length - max} bytes)` : hex;
}

/** Index of `needle` in `hay`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0 || needle.length > hay.length) return -1;
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength));
}

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
