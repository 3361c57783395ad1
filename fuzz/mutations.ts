import { FRAME_HEADER_BYTES } from '../src/protocol/frame.ts';
import type { Rng } from './rng.ts';
import { concat, key, overlongVarint, utf8, varint, WIRE_LEN, WIRE_VARINT } from './wire.ts';

/*
 * Byte-level mutations of captured frames. Each one is aimed at a layer of the hub's decoding: the
 * 6-byte frame header (type, flags, request id), the protobuf framing (field keys, varints, length
 * prefixes), and the field values (strings that become dataset ids, node ids, keys and payloads).
 */

export const BYTE_MUTATIONS = [
  'truncate',
  'bitflip',
  'byte-set',
  'header-type',
  'header-flags',
  'request-id',
  'splice',
  'append-garbage',
  'insert-bytes',
  'huge-length',
  'overlong-varint',
  'field-string',
  'duplicate-field',
  'short-frame',
  'random-bytes',
  'replay',
] as const;

export type ByteMutation = (typeof BYTE_MUTATIONS)[number];

export interface Mutated {
  readonly bytes: Uint8Array;
  readonly detail: string;
}

/** Strings that end up as dataset ids, node ids, collections, keys: path tricks, encodings, sizes. */
export const HOSTILE_STRINGS: readonly (string | Uint8Array)[] = [
  '../x',
  'primary/../../etc',
  '..',
  '../../../../etc/passwd',
  'logs/../primary',
  '/etc/passwd',
  'C:\\Windows\\system32',
  'PRIMARY',
  'primary\u0000',
  'primary ',
  '\u0000',
  '',
  'ｐrimary',
  'a'.repeat(49),
  'x'.repeat(5_000),
  '%2e%2e%2fx',
  'timeseries\nlogs',
  Uint8Array.from([0xff, 0xfe, 0xfd]),
  Uint8Array.from([0xc3, 0x28]),
  Uint8Array.from([0xed, 0xa0, 0x80]),
  Uint8Array.from([0xf4, 0x90, 0x80, 0x80]),
  concat(utf8('prim'), Uint8Array.from([0x80]), utf8('ary')),
];

interface Field {
  readonly field: number;
  readonly wireType: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/** Top-level protobuf fields of a payload, as far as they parse. */
export function parseFields(payload: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < payload.length) {
    const start = pos;
    const k = readVarint(payload, pos);
    if (!k) break;
    pos = k.next;
    const wireType = Number(k.value & 7n);
    const field = Number(k.value >> 3n);
    if (field === 0) break;
    let valueStart = pos;
    if (wireType === WIRE_VARINT) {
      const v = readVarint(payload, pos);
      if (!v) break;
      pos = v.next;
    } else if (wireType === WIRE_LEN) {
      const len = readVarint(payload, pos);
      if (!len || len.next + Number(len.value) > payload.length) break;
      valueStart = len.next;
      pos = len.next + Number(len.value);
    } else if (wireType === 1) {
      pos += 8;
    } else if (wireType === 5) {
      pos += 4;
    } else {
      break;
    }
    if (pos > payload.length) break;
    fields.push({ field, wireType, start, valueStart, end: pos });
  }
  return fields;
}

function readVarint(bytes: Uint8Array, pos: number): { value: bigint; next: number } | undefined {
  let value = 0n;
  let shift = 0n;
  for (let i = pos; i < bytes.length && i < pos + 10; i++) {
    const b = bytes[i]!;
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
  }
  return undefined;
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x0a, 0x12, 0x1a];

/** Applies `kind` to `frame`; `other` supplies a second captured frame for splicing. */
export function mutateFrame(rng: Rng, kind: ByteMutation, frame: Uint8Array, other: Uint8Array): Mutated {
  const header = frame.subarray(0, FRAME_HEADER_BYTES);
  const payload = frame.subarray(FRAME_HEADER_BYTES);
  switch (kind) {
    case 'truncate': {
      const at = rng.chance(0.2) ? rng.int(FRAME_HEADER_BYTES + 1) : rng.int(frame.length);
      return { bytes: frame.slice(0, at), detail: `cut at ${at} of ${frame.length}` };
    }
    case 'bitflip': {
      const out = frame.slice();
      const flips = rng.range(1, 8);
      const positions: number[] = [];
      for (let i = 0; i < flips && out.length > 0; i++) {
        // Past the header most of the time: the payload is where decoding gets interesting.
        const pos = rng.chance(0.85) && out.length > FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES + rng.int(out.length - FRAME_HEADER_BYTES) : rng.int(out.length);
        out[pos]! ^= 1 << rng.int(8);
        positions.push(pos);
      }
      return { bytes: out, detail: `${flips} bits flipped at ${positions.join(',')}` };
    }
    case 'byte-set': {
      const out = frame.slice();
      const n = rng.range(1, 4);
      const at: string[] = [];
      for (let i = 0; i < n && out.length > 0; i++) {
        const pos = rng.int(out.length);
        out[pos] = rng.pick(INTERESTING_BYTES);
        at.push(`${pos}=${out[pos]}`);
      }
      return { bytes: out, detail: `bytes set ${at.join(',')}` };
    }
    case 'header-type': {
      const out = frame.slice();
      const type = rng.pick([0, 16, 17, 99, 127, 128, 255, rng.range(1, 15)]);
      if (out.length > 0) out[0] = type;
      return { bytes: out, detail: `type byte ${type}` };
    }
    case 'header-flags': {
      const out = frame.slice();
      const flags = rng.pick([0x01, 0x02, 0x03, 0x80, 0xff, 0x40]);
      if (out.length > 1) out[1] = flags;
      return { bytes: out, detail: `flags 0x${flags.toString(16)}` };
    }
    case 'request-id': {
      const out = frame.slice();
      const id = rng.pick([0, 1, 2, 0xffff_ffff, 0xffff_fffe, 0x8000_0000, rng.u32()]);
      if (out.length >= FRAME_HEADER_BYTES) new DataView(out.buffer, out.byteOffset).setUint32(2, id, true);
      return { bytes: out, detail: `request id ${id}` };
    }
    case 'splice': {
      const cutA = rng.int(frame.length + 1);
      const cutB = rng.int(other.length + 1);
      return { bytes: concat(frame.subarray(0, cutA), other.subarray(cutB)), detail: `first ${cutA} bytes + another frame from ${cutB}` };
    }
    case 'append-garbage': {
      const extra = rng.chance(0.5) ? rng.bytes(rng.range(1, 64)) : concat(key(rng.range(1, 40), rng.pick([0, 2, 5])), rng.bytes(rng.range(0, 16)));
      return { bytes: concat(frame, extra), detail: `${extra.length} bytes appended` };
    }
    case 'insert-bytes': {
      const at = rng.int(frame.length + 1);
      const extra = rng.bytes(rng.range(1, 32));
      return { bytes: concat(frame.subarray(0, at), extra, frame.subarray(at)), detail: `${extra.length} bytes inserted at ${at}` };
    }
    case 'huge-length': {
      const fields = parseFields(payload).filter((f) => f.wireType === WIRE_LEN);
      const declared = rng.pick<bigint>([0x7fff_ffffn, 0xffff_ffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0xffff_ffff_ffff_ffffn, BigInt(payload.length + 1), 4n * 1024n * 1024n]);
      if (fields.length === 0) {
        return { bytes: concat(header, payload, key(2, WIRE_LEN), varint(declared), rng.bytes(4)), detail: `appended field with length ${declared}` };
      }
      const f = rng.pick(fields);
      const lenStart = f.start + key(f.field, WIRE_LEN).length;
      const out = concat(header, payload.subarray(0, lenStart), varint(declared), payload.subarray(f.valueStart));
      return { bytes: out, detail: `field ${f.field} length ${declared}` };
    }
    case 'overlong-varint': {
      const fields = parseFields(payload);
      if (fields.length === 0) return { bytes: concat(header, key(1, WIRE_VARINT), overlongVarint(1, 11)), detail: 'overlong varint as the only field' };
      const f = rng.pick(fields);
      const length = rng.pick([10, 11, 12, 20]);
      const replacement = f.wireType === WIRE_VARINT ? concat(key(f.field, WIRE_VARINT), overlongVarint(rng.u32(), length)) : concat(key(f.field, WIRE_LEN), overlongVarint(f.end - f.valueStart, length), payload.subarray(f.valueStart, f.end));
      return { bytes: concat(header, payload.subarray(0, f.start), replacement, payload.subarray(f.end)), detail: `field ${f.field} with a ${length}-byte varint` };
    }
    case 'field-string': {
      const fields = parseFields(payload).filter((f) => f.wireType === WIRE_LEN);
      const value = rng.pick(HOSTILE_STRINGS);
      const bytes = typeof value === 'string' ? utf8(value) : value;
      const label = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 20)}…(${value.length})` : value) : `bytes ${Buffer.from(value).toString('hex')}`;
      if (fields.length === 0) return { bytes: concat(header, payload, key(1, WIRE_LEN), varint(bytes.length), bytes), detail: `field 1 = ${label}` };
      const f = rng.pick(fields);
      return { bytes: concat(header, payload.subarray(0, f.start), key(f.field, WIRE_LEN), varint(bytes.length), bytes, payload.subarray(f.end)), detail: `field ${f.field} = ${label}` };
    }
    case 'duplicate-field': {
      const fields = parseFields(payload);
      if (fields.length === 0) return { bytes: frame.slice(), detail: 'no field to duplicate' };
      const f = rng.pick(fields);
      const copies = rng.pick([2, 3, 100]);
      const dup = payload.subarray(f.start, f.end);
      return { bytes: concat(header, payload, ...Array.from({ length: copies - 1 }, () => dup)), detail: `field ${f.field} repeated ${copies} times` };
    }
    case 'short-frame': {
      const n = rng.range(1, FRAME_HEADER_BYTES - 1);
      return { bytes: frame.slice(0, n), detail: `${n}-byte frame` };
    }
    case 'random-bytes': {
      const n = rng.pick([6, 7, 16, 100, 1024, 70_000]);
      const out = rng.bytes(n);
      // A plausible header half of the time, so the random payload reaches the protobuf decoder.
      if (rng.chance(0.5)) {
        out[0] = rng.range(1, 15);
        out[1] = 0;
      }
      return { bytes: out, detail: `${n} random bytes, type ${out[0]}` };
    }
    case 'replay':
      return { bytes: frame.slice(), detail: 'captured frame unchanged' };
  }
}
