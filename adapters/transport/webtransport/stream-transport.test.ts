import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../../src/core/errors.ts';
import { prefixLength } from '../../../src/protocol/frame.ts';
import type { CloseInfo } from '../../../src/protocol/transport.ts';
import { webTransport } from './client.ts';
import { MESSAGE_TOO_BIG, StreamTransport, type ByteStreamPair } from './stream-transport.ts';

/** Two ends of an in-memory bidirectional byte stream. */
function streamPair(): [ByteStreamPair, ByteStreamPair] {
  const ab = new TransformStream<Uint8Array, Uint8Array>();
  const ba = new TransformStream<Uint8Array, Uint8Array>();
  return [
    { readable: ba.readable, writable: ab.writable },
    { readable: ab.readable, writable: ba.writable },
  ];
}

function collect(t: StreamTransport): { frames: Uint8Array[]; closed: Promise<CloseInfo> } {
  const frames: Uint8Array[] = [];
  const closed = new Promise<CloseInfo>((resolve) => t.start({ frame: (f) => frames.push(f), close: resolve }));
  return { frames, closed };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('StreamTransport', () => {
  it('carries whole frames both ways, and buffers frames that arrive before start()', async () => {
    const [a, b] = streamPair();
    const left = new StreamTransport(a, 'left');
    const right = new StreamTransport(b, 'right');
    left.send(new Uint8Array([1, 2, 3]));
    left.send(new Uint8Array(0));
    left.send(new Uint8Array(70_000).fill(7));
    await tick();
    const got = collect(right);
    expect(got.frames.map((f) => f.length)).toEqual([3, 0, 70_000]);
    expect([...got.frames[0]!]).toEqual([1, 2, 3]);
    right.send(new Uint8Array([9]));
    const back = collect(left);
    await tick();
    expect(back.frames.map((f) => [...f])).toEqual([[9]]);
    expect(left.bufferedAmount).toBe(0);
  });

  it('reassembles frames split across and merged within chunks', async () => {
    const [a, b] = streamPair();
    const right = new StreamTransport(b, 'right');
    const got = collect(right);
    const writer = a.writable.getWriter();
    const bytes = new Uint8Array([...prefixLength(new Uint8Array([1, 2])), ...prefixLength(new Uint8Array([3, 4, 5]))]);
    await writer.write(bytes.subarray(0, 3));
    await writer.write(bytes.subarray(3, 9));
    await writer.write(bytes.subarray(9));
    await tick();
    expect(got.frames.map((f) => [...f])).toEqual([[1, 2], [3, 4, 5]]);
  });

  it('closes with 1009 when the peer announces a frame above maxFrameBytes, before buffering it', async () => {
    const [a, b] = streamPair();
    const sessionCloses: [number, string][] = [];
    const right = new StreamTransport(b, 'right', { maxFrameBytes: 16, closeSession: (code, reason) => sessionCloses.push([code, reason]) });
    const got = collect(right);
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, 17, true);
    void a.writable.getWriter().write(header);
    const info = await got.closed;
    expect(info.code).toBe(MESSAGE_TOO_BIG);
    expect(sessionCloses).toEqual([[MESSAGE_TOO_BIG, 'frame above 16 bytes']]);
    expect(got.frames).toEqual([]);
  });

  it('refuses to send an oversized frame', () => {
    const [a] = streamPair();
    const left = new StreamTransport(a, 'left', { maxFrameBytes: 8 });
    expect(() => left.send(new Uint8Array(9))).toThrow(expect.objectContaining({ code: 'frame_too_large' }));
  });

  it('close() ends the session with the code and reason, once; send() afterwards fails', async () => {
    const [a, b] = streamPair();
    const sessionCloses: [number, string][] = [];
    const left = new StreamTransport(a, 'left', { closeSession: (code, reason) => sessionCloses.push([code, reason]) });
    const right = new StreamTransport(b, 'right');
    const mine = collect(left);
    const theirs = collect(right);
    left.close(4503, 'hub shutting down');
    left.close(1000, 'again');
    expect(await mine.closed).toEqual({ code: 4503, reason: 'hub shutting down' });
    expect(sessionCloses).toEqual([[4503, 'hub shutting down']]);
    expect(() => left.send(new Uint8Array([1]))).toThrow(expect.objectContaining({ code: 'connection_closed' }));
    // The peer sees its readable end.
    expect((await theirs.closed).reason).toBe('stream ended');
  });

  it('reports the session closing under it', async () => {
    const [a] = streamPair();
    let end!: (info: { closeCode: number; reason: string }) => void;
    const left = new StreamTransport(a, 'left', { sessionClosed: new Promise((resolve) => (end = resolve)) });
    const mine = collect(left);
    end({ closeCode: 4401, reason: 'auth failed' });
    expect(await mine.closed).toEqual({ code: 4401, reason: 'auth failed' });
  });
});

describe('webTransport() connector', () => {
  it('rejects with invalid_options where the runtime has no WebTransport (Node)', async () => {
    expect((globalThis as { WebTransport?: unknown }).WebTransport).toBeUndefined();
    const error = await webTransport('https://127.0.0.1:4433/').connect().catch((e: unknown) => e);
    expect(isSluiceError(error, 'invalid_options')).toBe(true);
    expect((error as Error).message).toMatch(/This runtime has no WebTransport/);
  });

  it('validates the URL and certificate hashes, and describes itself', () => {
    expect(() => webTransport('wss://127.0.0.1:1/')).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => webTransport('not a url')).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => webTransport('https://127.0.0.1:1/', { serverCertificateHashes: ['abc'] })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    const c = webTransport('https://127.0.0.1:1/', { token: 't', serverCertificateHashes: ['ab'.repeat(32)] });
    // the pinned certificate travels with the description, so a worker dials the same hub
    expect(c.describe?.()).toEqual({ kind: 'webtransport', url: 'https://127.0.0.1:1/', token: 't', serverCertificateHashes: ['ab'.repeat(32)] });
  });
});
