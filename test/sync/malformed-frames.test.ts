import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { writeFrame } from '../../src/protocol/frame.ts';
import { MESSAGE_TYPES } from '../../src/protocol/messages.ts';
import { decodeFrame, encodeFrame } from '../../src/protocol/wire-codec.ts';
import { Harness } from './harness.ts';
import { rawPeer } from './raw-peer.ts';

/** A raw socket that records the error codes the server answers with and how it closed. */
async function rawSocket(url: string) {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  const errors: string[] = [];
  let closeCode = 0;
  socket.on('message', (data: ArrayBuffer) => {
    try {
      const m = decodeFrame(new Uint8Array(data), 1 << 24).message;
      if (m.kind === 'error') errors.push(m.code);
    } catch {
      errors.push('undecodable');
    }
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve((closeCode = code))));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, errors, closed, closeCode: () => closeCode };
}

const handshake = encodeFrame({ kind: 'handshakeRequest', nodeId: 'fuzzer', authToken: '', compression: [], collections: [], datasetId: 'primary', extraDatasetIds: [], protocolVersion: 1, publicKey: '', pushOnly: false, noticeCredits: 0 }, 1);

describe('malformed frames against a live hub', () => {
  const h = new Harness();
  afterEach(() => h.close());

  async function hubWithData() {
    const hub = await h.hub('hub', {}, { maxFrameBytes: 64 * 1024 });
    await hub.node.collection('todos').putMany(Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: { i } })));
    return hub;
  }

  it('answers each kind of bad frame with a typed error, and keeps serving other clients', async () => {
    const hub = await hubWithData();
    const before = await hub.node.collection('todos').all();
    const honest = await rawPeer('honest', h.peer(hub.url));

    const cases: [string, Uint8Array, string][] = [
      ['random bytes (unknown flag bits)', new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7]), 'malformed_frame'],
      ['truncated header', new Uint8Array([5, 0, 1]), 'malformed_frame'],
      ['unknown type', writeFrame(99, 0, 3, new Uint8Array()), 'unknown_message_type'],
      ['truncated payload', handshake.subarray(0, handshake.length - 3), 'malformed_frame'],
    ];
    for (const [, bytes, code] of cases) {
      const s = await rawSocket(hub.url);
      s.socket.send(bytes);
      await s.closed;
      expect(s.errors).toContain(code);
    }

    // a request before the handshake is a protocol violation
    const early = await rawSocket(hub.url);
    early.socket.send(encodeFrame({ kind: 'vectorClockRequest', datasetId: 'primary' }, 3));
    await early.closed;
    expect(early.errors).toContain('protocol_violation');

    // an oversized frame is refused by the socket layer before it is buffered (1009: message too big)
    const big = await rawSocket(hub.url);
    big.socket.send(new Uint8Array(64 * 1024 + 1));
    expect(await big.closed).toBe(1009);

    // meanwhile the honest client is unaffected
    const reply = await honest.connection.request({ kind: 'vectorClockRequest', datasetId: 'primary' });
    expect(reply.kind).toBe('vectorClockResponse');
    expect(await hub.node.collection('todos').all()).toEqual(before);
  });

  it('fuzz: thousands of random and mutated frames never crash the hub or change its documents', async () => {
    const hub = await hubWithData();
    const before = await hub.node.collection('todos').all();
    const valid = [
      handshake,
      encodeFrame({ kind: 'vectorClockRequest', datasetId: 'primary' }, 3),
      encodeFrame({ kind: 'pullChangesRequest', datasetId: 'primary', author: 'hub', since: null, collections: [], maxEntries: 10, maxBytes: 10_000 }, 5),
      encodeFrame({ kind: 'chainRangeRequest', datasetId: 'primary', startHash: '', endHash: 'a'.repeat(64) }, 7),
    ];
    const seeds = (await rawPeer('seed', h.peer(hub.url))).replica;
    const entries = await seeds.write([{ collection: 'todos', key: 'k0', op: 'put', value: { hacked: true } }]);
    valid.push(encodeFrame({ kind: 'pushChangesRequest', datasetId: 'primary', entries }, 9));

    const frame = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 200 }),
      fc.tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })).map(([base, flips]) => {
        const copy = base.slice();
        for (const [at, value] of flips) copy[at % copy.length] = value;
        return copy;
      }),
      fc.tuple(fc.constantFrom(...Object.values(MESSAGE_TYPES)), fc.uint8Array({ maxLength: 120 })).map(([type, payload]) => writeFrame(type, 0, 11, payload)),
    );
    const batches = fc.sample(fc.array(frame, { minLength: 20, maxLength: 20 }), { numRuns: 150, seed: 42 });
    let sent = 0;
    for (const batch of batches) {
      const s = await rawSocket(hub.url);
      // Half the sockets handshake first, so mutated requests reach the request handlers.
      if (sent % 2 === 0) s.socket.send(handshake);
      for (const bytes of batch) if (s.socket.readyState === WebSocket.OPEN) s.socket.send(bytes);
      sent += batch.length;
      s.socket.close();
      await s.closed;
    }
    expect(sent).toBe(3000);
    // The hub is alive and serves an honest peer; the only document change possible was a validly
    // hashed entry by "seed" (a real author), and even its mutations must have been rejected unless intact.
    const honest = await rawPeer('honest', h.peer(hub.url));
    expect((await honest.connection.request({ kind: 'vectorClockRequest', datasetId: 'primary' })).kind).toBe('vectorClockResponse');
    const after = await hub.node.collection('todos').all();
    expect(after.filter((d) => d.key !== 'k0')).toEqual(before.filter((d) => d.key !== 'k0'));
    expect([{ i: 0 }, { hacked: true }]).toContainEqual(after.find((d) => d.key === 'k0')!.value);
  });
});
