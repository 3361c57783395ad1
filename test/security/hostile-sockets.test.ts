import { WebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createNode } from '../../src/runtime/create-node.ts';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { encodeFrame } from '../../src/protocol/wire-codec.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { Processes } from '../demo/process-helpers.ts';
import { Harness } from '../sync/harness.ts';

/*
 * Hostile sockets against a real hub process (the package's CLI, datasets logs and timeseries in
 * worker threads) on 127.0.0.1. The hub must outlive every one of them and keep serving honest
 * clients.
 */

const TOKEN = 'hub-secret';

function handshake(datasetId: string, authToken: string, nodeId = 'mallory'): Uint8Array {
  return encodeFrame({ kind: 'handshakeRequest', nodeId, authToken, compression: [], collections: [], datasetId, extraDatasetIds: [], protocolVersion: PROTOCOL_VERSION, publicKey: '', pushOnly: false, noticeCredits: 0 }, 1);
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Resolves with the close code once the hub closes the socket (or after `ms`, with 0). */
function closed(ws: WebSocket, ms = 15_000): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(0), ms);
    ws.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** An honest client that writes one document and syncs it; resolves with what the round reported. */
async function honestRound(url: string, key: string): Promise<boolean> {
  const node = await createNode({ nodeId: `honest-${key}`, storage: memoryStorage(), peers: [websocket(url, { token: TOKEN })] });
  try {
    await node.collection('todos').put(key, { ok: true });
    const [report] = await node.syncNow();
    return report!.peers[0]!.ok;
  } finally {
    await node.close();
  }
}

describe('a hub under hostile sockets', () => {
  const p = new Processes();
  afterEach(() => p.cleanup());

  async function hub() {
    const data = p.dir('sluice-hostile-');
    return p.hub(data, ['--token', TOKEN, '--host', '127.0.0.1']);
  }

  it('survives a wrong-token handshake for a worker dataset followed by empty binary messages (the buffer ws reuses is never handed to a worker)', async () => {
    const h = await hub();
    for (const dataset of ['logs', 'timeseries', 'primary']) {
      const ws = await open(h.url);
      const done = closed(ws);
      ws.send(handshake(dataset, 'wrong-token'));
      ws.send(new Uint8Array(0));
      ws.send(new Uint8Array(0));
      ws.send(new Uint8Array(0));
      expect(await done).toBe(4401);
    }
    expect(h.child.exitCode).toBeNull();
    expect(await honestRound(h.url, 'after-empty')).toBe(true);
  }, 60_000);

  it('survives empty, text and garbage messages before any handshake, closing only that socket', async () => {
    const h = await hub();
    const cases: (string | Uint8Array)[] = [new Uint8Array(0), 'hello', new Uint8Array([0, 0xff, 1, 2, 3]), new Uint8Array(64 * 1024).fill(7)];
    for (const message of cases) {
      const ws = await open(h.url);
      const done = closed(ws);
      ws.send(message);
      ws.send(new Uint8Array(0));
      expect(await done).toBeGreaterThanOrEqual(4000);
    }
    expect(h.child.exitCode).toBeNull();
    expect(await honestRound(h.url, 'after-garbage')).toBe(true);
  }, 60_000);

  it('relays empty binary messages after an accepted handshake on a worker dataset without harm', async () => {
    const h = await hub();
    const ws = await open(h.url);
    const done = closed(ws);
    ws.send(handshake('logs', TOKEN));
    for (let i = 0; i < 5; i++) ws.send(new Uint8Array(0));
    expect(await done).toBeGreaterThanOrEqual(4000);
    expect(h.child.exitCode).toBeNull();
    expect(await honestRound(h.url, 'after-relay')).toBe(true);
  }, 60_000);
});

describe('a dataset worker that dies', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('takes the sockets relayed to it down with it, and its peers reconnect to the restarted worker', async () => {
    const hub = await h.hub('hub', { storage: memoryStorage(), auth: { token: TOKEN }, datasets: { primary: {}, logs: { kind: 'append' } } });
    const ws = await open(hub.url);
    const done = closed(ws, 30_000);
    ws.send(handshake('logs', TOKEN, 'relayed'));
    await new Promise<void>((resolve) => ws.once('message', () => resolve())); // the worker answered
    await hub.node.workerOf('logs')!.crashForTest();
    expect(await done).toBe(4503);
    const client = await h.node('after-crash', { storage: memoryStorage(), peers: [h.peer(hub.url, TOKEN)], datasets: { primary: {}, logs: { kind: 'append', worker: false } } });
    client.dataset('logs').append({ msg: 'after the crash' });
    await client.dataset('logs').flush();
    await vi.waitFor(async () => expect((await client.syncNow('logs'))[0]!.peers[0]).toMatchObject({ ok: true }), { timeout: 20_000 });
  }, 60_000);
});
