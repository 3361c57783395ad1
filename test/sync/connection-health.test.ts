import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { decodeFrame, encodeFrame } from '../../src/protocol/wire-codec.ts';
import { backoffDelay, jitteredBackoff, reconnectDelay } from '../../src/sync/backoff.ts';
import { Harness } from './harness.ts';

describe('connection health', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('backs off 1 s, doubling up to 60 s, and resets on success', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(backoffDelay)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(backoffDelay(0)).toBe(0);
  });

  it('spreads retries over the upper half of each window, and first reconnects over the first second', () => {
    const [low, high] = [() => 0, () => 0.999_999];
    expect([1, 2, 7].map((n) => jitteredBackoff(n, low))).toEqual([500, 1_000, 30_000]);
    expect([1, 2, 7].map((n) => jitteredBackoff(n, high))).toEqual([1_000, 2_000, 60_000]);
    expect([reconnectDelay(low), reconnectDelay(high)]).toEqual([0, 1_000]);
    // With the real random source, 200 clients failing together do not retry together.
    const spread = new Set(Array.from({ length: 200 }, () => jitteredBackoff(3)));
    expect(spread.size).toBeGreaterThan(100);
    for (const d of spread) expect(d >= 2_000 && d <= 4_000).toBe(true);
  });

  it('records failures per peer with backoff, and recovers when the hub comes back', async () => {
    const hub = await h.hub('hub');
    const port = hub.listener.port;
    const client = await h.node('client', { peers: [h.peer(hub.url)] });
    await client.collection('todos').put('before', 1);
    expect((await client.syncNow())[0]!.peers[0]!.ok).toBe(true);

    await hub.listener.close();
    await client.collection('todos').put('offline', 2);
    const failed = (await client.syncNow())[0]!.peers[0]!;
    expect(failed.ok).toBe(false);
    const status = (await client.metrics()).primary!.peers[0]!;
    expect(status.failures).toBeGreaterThanOrEqual(1);
    expect(status.nextRetryAt).toBeGreaterThan(Date.now());

    // The hub comes back on the same port: the next round reconnects and delivers the offline write.
    const { listen } = await import('../../adapters/transport/websocket/node/server.ts');
    const again = await listen(hub.node, { port, host: '127.0.0.1' });
    try {
      expect((await client.syncNow())[0]!.peers[0]).toMatchObject({ ok: true });
      expect(await hub.node.collection('todos').get('offline')).toBe(2);
      expect((await client.metrics()).primary!.peers[0]!.failures).toBe(0);
    } finally {
      await again.close();
    }
  });

  it('drops a peer that stops answering heartbeats', async () => {
    const hub = await h.hub('hub', {}, { heartbeatMs: 100 });
    const socket = new WebSocket(hub.url);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(encodeFrame({ kind: 'handshakeRequest', nodeId: 'silent', authToken: '', compression: [], collections: [], datasetId: 'primary', extraDatasetIds: [], protocolVersion: 1, publicKey: '', pushOnly: false, noticeCredits: 0 }, 1));
    const code = await new Promise<number>((resolve) => socket.once('close', resolve));
    expect(code).toBe(4408);
  });

  it("answers pings on every dataset, one whose worker serves it included, and drops a silent peer of that dataset too", async () => {
    const hub = await h.hub('hub', { datasets: { primary: {}, logs: { kind: 'append' } } }, { heartbeatMs: 300 });
    expect((await hub.node.metrics()).logs!.worker.state).toBe('running');
    const handshaken = async (datasetId: string, nodeId: string) => {
      const socket = new WebSocket(hub.url);
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(encodeFrame({ kind: 'handshakeRequest', nodeId, authToken: '', compression: [], collections: [], datasetId, extraDatasetIds: [], protocolVersion: 1, publicKey: '', pushOnly: datasetId === 'logs', noticeCredits: 0 }, 1));
      await new Promise((resolve) => socket.once('message', resolve));
      return socket;
    };
    for (const datasetId of ['primary', 'logs']) {
      const socket = await handshaken(datasetId, `pinger-${datasetId}`);
      const reply = new Promise<Buffer>((resolve) => socket.once('message', resolve));
      socket.send(encodeFrame({ kind: 'ping', nonce: 424_242 }, 77));
      expect(decodeFrame(new Uint8Array(await reply), 1 << 20)).toMatchObject({ requestId: 77, message: { kind: 'pong', nonce: 424_242 } });
      // A peer that keeps pinging stays connected past the silence limit (2 x 300 ms)...
      const pinging = setInterval(() => socket.send(encodeFrame({ kind: 'ping', nonce: 1 }, 78)), 100);
      await new Promise((resolve) => setTimeout(resolve, 900));
      clearInterval(pinging);
      expect([datasetId, socket.readyState]).toEqual([datasetId, WebSocket.OPEN]);
      // ...and one that falls silent is dropped as dead.
      expect([datasetId, await new Promise<number>((resolve) => socket.once('close', resolve))]).toEqual([datasetId, 4408]);
    }
  });

  it('closes connections beyond the limit at once and keeps serving the others', async () => {
    const hub = await h.hub('hub', {}, { maxConnections: 2 });
    const open = async () => {
      const s = new WebSocket(hub.url);
      await new Promise((resolve) => s.once('open', resolve));
      return s;
    };
    const a = await open();
    const b = await open();
    const c = await open();
    expect(await new Promise<number>((resolve) => c.once('close', resolve))).toBe(4429);
    expect(hub.listener.connections()).toBe(2);
    a.close();
    b.close();
    await vi.waitFor(() => expect(hub.listener.connections()).toBe(0));
    const client = await h.node('client', { peers: [h.peer(hub.url)] });
    expect((await client.syncNow())[0]!.peers[0]!.ok).toBe(true);
  });
});
