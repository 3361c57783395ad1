import { afterEach, describe, expect, it, vi } from 'vitest';
import { Harness } from './harness.ts';

describe('dataset orchestrator', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('pushes a local write promptly, without waiting for the sync interval', async () => {
    const hub = await h.hub('hub');
    // An hour between rounds: only the write trigger can deliver this in time.
    const client = await h.node('client', { peers: [h.peer(hub.url)], datasets: { primary: { syncInterval: 3_600_000 } } });
    await vi.waitFor(async () => expect((await client.metrics()).primary!.rounds).toBeGreaterThanOrEqual(1));
    await client.collection('todos').put('prompt', { ok: true });
    await vi.waitFor(async () => expect(await hub.node.collection('todos').get('prompt')).toEqual({ ok: true }), { timeout: 10_000 });
  });

  it('syncs with at most maxPeers peers per round and rotates through the rest', async () => {
    const hubs = await Promise.all(['h1', 'h2', 'h3'].map((id) => h.hub(id)));
    const client = await h.node('client', { peers: hubs.map((x) => h.peer(x.url)), datasets: { primary: { maxPeers: 2, syncInterval: 3_600_000 } } });
    const first = (await client.syncNow())[0]!.peers.map((p) => p.url);
    const second = (await client.syncNow())[0]!.peers.map((p) => p.url);
    expect(first).toHaveLength(2);
    expect(second).toHaveLength(2);
    expect(new Set([...first, ...second]).size).toBe(3);
  });

  it('stops deterministically: close() waits for the round in flight and leaves no connection open', async () => {
    const hub = await h.hub('hub');
    const client = await h.node('client', { peers: [h.peer(hub.url)] });
    await client.collection('todos').putMany(Array.from({ length: 2_000 }, (_, i) => ({ key: `k${i}`, value: i })));
    const round = client.syncNow();
    await client.close();
    await round.catch(() => undefined);
    await vi.waitFor(() => expect(hub.listener.connections()).toBe(0));
    await expect(client.collection('todos').get('k1')).rejects.toMatchObject({ code: 'store_closed' });
  });
});
