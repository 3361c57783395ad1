import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPongFrame, pongFor } from '../../src/protocol/heartbeat-frame.ts';
import { decodeFrame, encodeFrame } from '../../src/protocol/wire-codec.ts';

describe('heartbeat frames answered without the codec', () => {
  it('answer any ping the codec writes with the pong the codec reads: same request id, same nonce', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 0xffff_ffff }), (nonce, requestId) => {
        const pong = pongFor(encodeFrame({ kind: 'ping', nonce }, requestId));
        expect(pong).toBeDefined();
        expect(isPongFrame(pong!)).toBe(true);
        expect(decodeFrame(pong!, 1 << 20)).toMatchObject({ requestId, message: { kind: 'pong', nonce } });
      }),
    );
  });

  it('leave every other frame to the codec', () => {
    const ping = encodeFrame({ kind: 'ping', nonce: 300 }, 7);
    const variants: [string, Uint8Array][] = [
      ['a pong', encodeFrame({ kind: 'pong', nonce: 1 }, 7)],
      ['another message', encodeFrame({ kind: 'vectorClockRequest', datasetId: 'primary' }, 7)],
      ['a compressed ping', Uint8Array.from(ping, (b, i) => (i === 1 ? 1 : b))],
      ['a short header', ping.slice(0, 5)],
      ['another field', Uint8Array.from([...ping.slice(0, 6), 0x10, 0x01])],
      ['a varint that does not end', Uint8Array.from([...ping.slice(0, 6), 0x08, 0x80])],
      ['a varint that ends early', Uint8Array.from([...ping.slice(0, 6), 0x08, 0x01, 0x01])],
      ['an overlong varint', Uint8Array.from([...ping.slice(0, 6), 0x08, ...new Array(10).fill(0x80), 0x01])],
      ['trailing garbage', Uint8Array.from([...ping, 0xff])],
    ];
    for (const [what, frame] of variants) expect([what, pongFor(frame)]).toEqual([what, undefined]);
    expect(isPongFrame(ping)).toBe(false);
    expect(isPongFrame(Uint8Array.from([...encodeFrame({ kind: 'pong', nonce: 1 }, 7), 0x00]))).toBe(false);
  });

  it('do not change the ping they answer', () => {
    const ping = encodeFrame({ kind: 'ping', nonce: 9 }, 3);
    const copy = ping.slice();
    pongFor(ping);
    expect(ping).toEqual(copy);
  });
});
