import { SluiceError } from '../core/errors.ts';
import { compress, decompress, DEFAULT_COMPRESSION_THRESHOLD, type Codec } from './compression.ts';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, readFrame } from './frame.ts';
import type { Message } from './messages.ts';
import { KIND_BY_TYPE } from './messages.ts';
import { decodeFrame, decodePayload, encodeFrame, withCompressedPayload, type DecodedFrame } from './wire-codec.ts';

export interface FrameCodecOptions {
  readonly maxFrameBytes?: number;
  /** Negotiated codec for frames we send; '' sends everything uncompressed. */
  readonly codec?: Codec | '';
  readonly compressionThreshold?: number;
}

/**
 * One connection's view of the wire: encodes messages into frames (compressing large ones once a
 * codec is negotiated) and decodes incoming frames with the frame limit applied before and after
 * inflation.
 */
export class FrameCodec {
  readonly maxFrameBytes: number;
  codec: Codec | '';
  private readonly threshold: number;

  constructor(options: FrameCodecOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.codec = options.codec ?? '';
    this.threshold = options.compressionThreshold ?? DEFAULT_COMPRESSION_THRESHOLD;
  }

  async encode(message: Message, requestId: number): Promise<Uint8Array> {
    const frame = encodeFrame(message, requestId);
    if (this.codec === '' || frame.length - FRAME_HEADER_BYTES < this.threshold) return frame;
    const packed = await compress(this.codec, frame.subarray(FRAME_HEADER_BYTES));
    return packed.length < frame.length - FRAME_HEADER_BYTES ? withCompressedPayload(frame, packed) : frame;
  }

  /** Both sides use the codec chosen at handshake, so a compressed frame before that is a violation. */
  async decode(bytes: Uint8Array): Promise<DecodedFrame> {
    const decoded = decodeFrame(bytes, this.maxFrameBytes);
    if (!decoded.compressed) return decoded;
    if (this.codec === '') {
      throw new SluiceError('protocol_violation', 'Received a compressed frame although no compression was negotiated.');
    }
    const payload = await decompress(this.codec, readFrame(bytes, this.maxFrameBytes).payload, this.maxFrameBytes);
    const kind = KIND_BY_TYPE.get(bytes[0]!)!;
    return { requestId: decoded.requestId, compressed: true, message: decodePayload(kind, payload) as Message };
  }
}
