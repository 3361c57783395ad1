import { afterEach, describe, expect, it, vi } from 'vitest';
import { HybridClock } from '../../src/core/hlc.ts';
import { createEntry } from '../../src/core/oplog-entry.ts';
import { Harness } from './harness.ts';
import { rawPeer } from './raw-peer.ts';

describe('failures leave state untouched', () => {
  const h = new Harness();
  afterEach(() => h.close());

  async function seededHub(options = {}) {
    const hub = await h.hub('hub', { auth: { token: 'right' }, ...options });
    await hub.node.collection('todos').put('keep', { v: 1 });
    return hub;
  }
  const snapshot = async (hub: { node: { collection(n: string): { all(): Promise<unknown> }; metrics(): Promise<Record<string, { oplogEntries: number }>> } }) => ({
    docs: await hub.node.collection('todos').all(),
    entries: (await hub.node.metrics()).primary!.oplogEntries,
  });

  it('refuses a wrong token with auth_failed, closes the connection and changes nothing', async () => {
    const hub = await seededHub();
    const before = await snapshot(hub);
    const client = await h.node('client', { peers: [h.peer(hub.url, 'wrong')] });
    await client.collection('todos').put('sneaky', { v: 666 });
    const [report] = await client.syncNow();
    expect(report!.peers[0]).toMatchObject({ ok: false, code: 'auth_failed' });
    expect(report!.peers[0]!.error).toMatch(/token/);
    expect(await snapshot(hub)).toEqual(before);
    await vi.waitFor(() => expect(hub.listener.connections()).toBe(0));
  });

  it('answers a dataset that was not granted with dataset_not_granted, while primary still syncs', async () => {
    const hub = await seededHub({ auth: { token: 'right', authorize: (_principal: unknown, ds: string) => ds !== 'logs' }, datasets: { primary: {}, logs: {} } });
    const client = await h.node('client', { peers: [h.peer(hub.url, 'right')], datasets: { primary: {}, logs: {} } });
    await client.collection('events', 'logs').put('e', { x: 1 });
    await client.collection('todos').put('c', { x: 2 });
    const [primary, logs] = await client.syncNow();
    expect(primary!.peers[0]).toMatchObject({ ok: true });
    expect(logs!.peers[0]).toMatchObject({ ok: false, code: 'dataset_not_granted' });
    expect(await hub.node.collection('todos').get('c')).toEqual({ x: 2 });
    expect(await hub.node.collection('events', 'logs').get('e')).toBeUndefined();
  });

  it('rejects a request for a dataset outside the handshake, explicitly', async () => {
    const hub = await seededHub({ auth: {}, datasets: { primary: {}, logs: {} } });
    const peer = await rawPeer('raw', h.peer(hub.url));
    await expect(peer.connection.request({ kind: 'vectorClockRequest', datasetId: 'logs' })).rejects.toMatchObject({ code: 'dataset_not_granted' });
    await expect(peer.connection.request({ kind: 'vectorClockRequest', datasetId: 'primary' })).resolves.toMatchObject({ kind: 'vectorClockResponse' });
  });

  it('rejects tampered entries, broken chains and far-future timestamps, keeping the batch out entirely', async () => {
    const hub = await seededHub({ auth: {} });
    const before = await snapshot(hub);
    const peer = await rawPeer('raw', h.peer(hub.url));
    const good = await peer.replica.write([0, 1, 2].map((i) => ({ collection: 'todos', key: `t${i}`, op: 'put' as const, value: { i } })));
    const push = (entries: typeof good) => peer.push(entries);

    const tampered = { ...good[1]!, payload: '{"i":999}' };
    await expect(push([good[0]!, tampered, good[2]!])).rejects.toMatchObject({ code: 'hash_mismatch' });

    const forged = createEntry({ collection: 'todos', key: 'x', op: 'put', value: 1, hlc: { ...good[2]!.hlc, logic: good[2]!.hlc.logic + 1 }, prevHash: 'f'.repeat(64) });
    await expect(push([good[0]!, good[1]!, forged])).rejects.toMatchObject({ code: 'chain_broken' });

    const future = new HybridClock('raw', { now: () => Date.now() + 10 * 60_000 });
    const ahead = createEntry({ collection: 'todos', key: 'late', op: 'put', value: 1, hlc: future.tick(), prevHash: '' });
    const farPeer = await rawPeer('time-traveller', h.peer(hub.url));
    await expect(farPeer.push([{ ...ahead, hlc: { ...ahead.hlc, nodeId: 'raw' } }])).rejects.toMatchObject({ code: 'author_not_allowed' }); // another author's entry, whatever else is wrong with it
    const honestFuture = createEntry({ collection: 'todos', key: 'late', op: 'put', value: 1, hlc: { wall: Date.now() + 10 * 60_000, logic: 0, nodeId: 'time-traveller' }, prevHash: '' });
    await expect(farPeer.push([honestFuture])).rejects.toMatchObject({ code: 'clock_drift' });

    expect(await snapshot(hub)).toEqual(before);
    // the same connection still works for honest data
    await expect(push(good)).resolves.toMatchObject({ kind: 'ack', success: true });
    expect((await snapshot(hub)).entries).toBe(before.entries + 3);
  });
});
