import { describe, expect, it } from 'vitest';
import { FrameCodec } from '../../src/protocol/frame-codec.ts';
import { FrameSplitter, prefixLength, writeFrame } from '../../src/protocol/frame.ts';
import { MESSAGE_TYPES } from '../../src/protocol/messages.ts';
import { decodeFrame, encodeFrame } from '../../src/protocol/wire-codec.ts';
import { sampleEntries, sampleMessages } from './message-samples.ts';
import { deflateFrame as nodeDeflate } from '../../adapters/runtime/node/deflate.ts';
import { deflateFrame as webDeflate } from '../../adapters/runtime/browser/deflate.ts';
import { decompress } from '../../src/protocol/compression.ts';

const MAX = 4 * 1024 * 1024;

describe('frames', () => {
  it('round-trips every message kind with its request id', () => {
    const messages = sampleMessages();
    expect(new Set(messages.map((m) => m.kind)).size).toBe(Object.keys(MESSAGE_TYPES).length);
    messages.forEach((m, i) => {
      const frame = encodeFrame(m, 0xfffffff0 + i);
      expect(frame[0]).toBe(MESSAGE_TYPES[m.kind]);
      const decoded = decodeFrame(frame, MAX);
      expect(decoded.requestId).toBe((0xfffffff0 + i) >>> 0);
      expect(decoded.message).toEqual(m);
    });
  });

  it('reads an empty dataset id as primary on every dataset-bearing message', () => {
    for (const m of sampleMessages('primary')) {
      const decoded = decodeFrame(encodeFrame(m, 1), MAX).message as { datasetId?: string };
      if ('datasetId' in m) expect(decoded.datasetId).toBe('primary');
    }
  });

  it('rejects short, oversized, unknown-type and unknown-flag frames with typed errors', () => {
    expect(() => decodeFrame(new Uint8Array([1, 0, 0]), MAX)).toThrow(expect.objectContaining({ code: 'malformed_frame' }));
    expect(() => decodeFrame(new Uint8Array(MAX + 1), MAX)).toThrow(expect.objectContaining({ code: 'frame_too_large' }));
    expect(() => decodeFrame(writeFrame(200, 0, 1, new Uint8Array()), MAX)).toThrow(expect.objectContaining({ code: 'unknown_message_type' }));
    expect(() => decodeFrame(writeFrame(1, 0x80, 1, new Uint8Array()), MAX)).toThrow(expect.objectContaining({ code: 'malformed_frame' }));
  });

  it('rejects a truncated payload and garbage payloads without crashing', () => {
    const frame = encodeFrame(sampleMessages()[5]!, 9);
    expect(() => decodeFrame(frame.subarray(0, frame.length - 7), MAX)).toThrow(expect.objectContaining({ code: expect.stringMatching(/malformed_frame|invalid_entry/) }));
    expect(() => decodeFrame(writeFrame(MESSAGE_TYPES.changeSet, 0, 1, new Uint8Array([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f])), MAX)).toThrow(expect.objectContaining({ code: 'malformed_frame' }));
  });

  it('rejects invalid UTF-8 in string fields', () => {
    // VectorClockRequest { dataset_id (1): bytes ff fe }
    const payload = new Uint8Array([0x0a, 0x02, 0xff, 0xfe]);
    expect(() => decodeFrame(writeFrame(MESSAGE_TYPES.vectorClockRequest, 0, 1, payload), MAX)).toThrow(expect.objectContaining({ code: expect.stringMatching(/malformed_frame|invalid_dataset_id/) }));
  });

  it('rejects entries with bad hashes, bad dataset ids, far-out-of-range walls', () => {
    const m = sampleMessages()[6]!;
    const frame = encodeFrame(m, 1);
    const hashAt = frame.indexOf(0x42); // field 8 (hash), wire type 2
    const bad = frame.slice();
    bad[hashAt + 1] = 31; // claim 31 bytes: the next field is misread
    expect(() => decodeFrame(bad, MAX)).toThrow();
    const wrongDataset = encodeFrame({ kind: 'vectorClockRequest', datasetId: 'Not Valid' }, 1);
    expect(() => decodeFrame(wrongDataset, MAX)).toThrow(expect.objectContaining({ code: 'invalid_dataset_id' }));
  });

  it('splits length-prefixed streams and rejects an oversized length before buffering it', () => {
    const a = encodeFrame(sampleMessages()[0]!, 1);
    const b = encodeFrame(sampleMessages()[5]!, 2);
    const stream = new Uint8Array([...prefixLength(a), ...prefixLength(b)]);
    const splitter = new FrameSplitter(MAX);
    const out: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i += 7) out.push(...splitter.push(stream.subarray(i, i + 7)));
    expect(out.map((f) => decodeFrame(f, MAX).requestId)).toEqual([1, 2]);
    expect(splitter.pending).toBe(0);
    const huge = new Uint8Array(4);
    new DataView(huge.buffer).setUint32(0, MAX + 1, true);
    expect(() => new FrameSplitter(MAX).push(huge)).toThrow(expect.objectContaining({ code: 'frame_too_large' }));
  });
});

describe('compression', () => {
  const big = { kind: 'pushChangesRequest' as const, datasetId: 'logs', entries: sampleEntries('logs', 400) };

  it('compresses large frames once negotiated and leaves small ones alone', async () => {
    const codec = new FrameCodec({ codec: 'deflate-raw' });
    const frame = await codec.encode(big, 5);
    expect(frame[1]! & 1).toBe(1);
    expect(frame.length).toBeLessThan(encodeFrame(big, 5).length / 2);
    expect((await codec.decode(frame)).message).toEqual(big);
    const small = await codec.encode({ kind: 'ping', nonce: 1 }, 6);
    expect(small[1]).toBe(0);
    const gzip = new FrameCodec({ codec: 'gzip' });
    expect((await gzip.decode(await gzip.encode(big, 1))).message).toEqual(big);
  });

  it('the Node codec (zlib, level 1) and the web one (CompressionStream) write streams either side reads', async () => {
    const payload = new TextEncoder().encode(JSON.stringify(sampleEntries('logs', 200)));
    for (const codec of ['deflate-raw', 'gzip'] as const) {
      for (const deflate of [nodeDeflate, webDeflate]) {
        const packed = await deflate(codec, payload);
        expect(packed.length).toBeLessThan(payload.length / 2);
        expect(await decompress(codec, packed, 1 << 22)).toEqual(payload);
      }
    }
  });

  it('refuses a compressed frame when nothing was negotiated, corrupt data and inflation bombs', async () => {
    const packed = await new FrameCodec({ codec: 'deflate-raw' }).encode(big, 5);
    await expect(new FrameCodec().decode(packed)).rejects.toMatchObject({ code: 'protocol_violation' });
    const corrupt = packed.slice();
    corrupt.fill(0xab, 10, 40);
    await expect(new FrameCodec({ codec: 'deflate-raw' }).decode(corrupt)).rejects.toMatchObject({ code: expect.stringMatching(/malformed_frame|invalid_entry/) });
    // 64 KiB of zeros inflate from a few hundred bytes: past a 16 KiB limit it must stop.
    const zeros = await new FrameCodec({ codec: 'deflate-raw', compressionThreshold: 1 }).encode({ kind: 'snapshotChunk', datasetId: 'primary', data: new Uint8Array(64 * 1024), isLast: false, index: 0 }, 1);
    expect(zeros.length).toBeLessThan(1024);
    await expect(new FrameCodec({ codec: 'deflate-raw', maxFrameBytes: 16 * 1024 }).decode(zeros)).rejects.toMatchObject({ code: 'frame_too_large' });
  });
});
