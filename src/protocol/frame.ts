import { SluiceError } from '../core/errors.ts';

/*
 * Frame layout (one WebSocket binary message = one frame):
 *
 *   offset 0  u8      type        message type, see MESSAGE_TYPES
 *   offset 1  u8      flags       bit 0: payload compressed with the negotiated codec; other bits must be 0
 *   offset 2  u32 LE  requestId   echoed by the response, so requests can be pipelined
 *   offset 6  ...     payload     the protobuf message
 *
 * Stream transports (WebTransport streams) put a u32 LE length of the whole frame in front.
 */

export const FRAME_HEADER_BYTES = 6;
export const FLAG_COMPRESSED = 0x01;
const KNOWN_FLAGS = FLAG_COMPRESSED;
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

export interface RawFrame {
  readonly type: number;
  readonly flags: number;
  readonly requestId: number;
  readonly payload: Uint8Array;
}

export function writeFrame(type: number, flags: number, requestId: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  out[0] = type;
  out[1] = flags;
  new DataView(out.buffer).setUint32(2, requestId >>> 0, true);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Splits a frame into header and payload. The payload is a view: no copy. */
export function readFrame(bytes: Uint8Array, maxFrameBytes: number): RawFrame {
  if (!(bytes instanceof Uint8Array)) {
    throw new SluiceError('malformed_frame', 'Frames must be binary: send the encoded frame as a binary WebSocket message.');
  }
  if (bytes.length > maxFrameBytes) {
    throw new SluiceError('frame_too_large', `Frame of ${bytes.length} bytes exceeds the ${maxFrameBytes}-byte limit: send smaller batches or raise maxFrameBytes on both peers.`, {
      size: bytes.length,
      limit: maxFrameBytes,
    });
  }
  if (bytes.length < FRAME_HEADER_BYTES) {
    throw new SluiceError('malformed_frame', `Frame of ${bytes.length} bytes is shorter than the ${FRAME_HEADER_BYTES}-byte header.`);
  }
  const flags = bytes[1]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new SluiceError('malformed_frame', `Frame has unknown flag bits 0x${flags.toString(16)}: the peer speaks a newer protocol or sent garbage.`);
  }
  return {
    type: bytes[0]!,
    flags,
    requestId: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2, true),
    payload: bytes.subarray(FRAME_HEADER_BYTES),
  };
}

/** Length prefix for stream transports: u32 LE byte count of the frame that follows. */
export function prefixLength(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + frame.length);
  new DataView(out.buffer).setUint32(0, frame.length, true);
  out.set(frame, 4);
  return out;
}

/**
 * Reassembles length-prefixed frames from a byte stream. The length is checked against the limit
 * as soon as its 4 bytes arrive, so an oversized frame is rejected before any of it is buffered.
 */
export class FrameSplitter {
  private buffer: Uint8Array = new Uint8Array(0);

  constructor(private readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  push(chunk: Uint8Array): Uint8Array[] {
    this.buffer = this.buffer.length === 0 ? chunk : concat(this.buffer, chunk);
    const frames: Uint8Array[] = [];
    while (this.buffer.length >= 4) {
      const length = new DataView(this.buffer.buffer, this.buffer.byteOffset, 4).getUint32(0, true);
      if (length > this.maxFrameBytes) {
        this.buffer = new Uint8Array(0);
        throw new SluiceError('frame_too_large', `Incoming frame announces ${length} bytes, over the ${this.maxFrameBytes}-byte limit.`, { size: length, limit: this.maxFrameBytes });
      }
      if (this.buffer.length < 4 + length) break;
      frames.push(this.buffer.slice(4, 4 + length));
      this.buffer = this.buffer.subarray(4 + length);
    }
    return frames;
  }

  /** Bytes held for an incomplete frame. */
  get pending(): number {
    return this.buffer.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
