import { afterEach, describe, expect, it, vi } from 'vitest';
import { websocket } from '../../adapters/transport/websocket/client.ts';
import { Harness } from './harness.ts';

describe('a client of several hubs', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('carries on through the next hub when its hub dies: redials by itself, loses nothing, applies nothing twice', async () => {
    const a = await h.hub('hub-a');
    const b = await h.hub('hub-b');
    const client = await h.node('client', { peers: [websocket([a.url, b.url])] });
    const reader = await h.node('reader', { peers: [h.peer(b.url)] });
    const seen: string[] = [];
    reader.collection('todos').subscribe((changes) => seen.push(...changes.map((c) => c.key)));
    await reader.syncNow();

    await client.collection('todos').put('before', 1);
    expect((await client.syncNow())[0]!.peers[0]).toMatchObject({ ok: true, url: a.url });
    expect(await a.node.collection('todos').get('before')).toBe(1);
    expect(await b.node.collection('todos').get('before')).toBeUndefined();

    // Hub A goes away with the client connected to it. Nobody calls syncNow: the client notices the
    // drop, waits its jittered pause (under a second) and dials again, which lands on B; the round
    // there pushes what B lacks, and B announces it to its live reader.
    await a.listener.close();
    await a.node.close();
    await vi.waitFor(async () => expect(await b.node.collection('todos').get('before')).toBe(1), { timeout: 5_000, interval: 50 });
    await vi.waitFor(() => expect(seen).toContain('before'), { timeout: 5_000, interval: 50 });

    // Live on B from now on: a new write reaches the reader without a round being asked for.
    await client.collection('todos').put('after', 2);
    await vi.waitFor(() => expect(seen).toContain('after'), { timeout: 5_000, interval: 50 });
    const status = (await client.metrics()).primary!.peers[0]!;
    expect(status).toMatchObject({ url: b.url, connected: true });
    // Each write is in B's oplog once.
    expect((await b.node.metrics()).primary!.oplogEntries).toBe(2);
    expect(seen.filter((k) => k === 'before')).toHaveLength(1);
  });

  it('refuses a bad list of hubs with a typed error naming the entry', () => {
    expect(() => websocket([])).toThrow(expect.objectContaining({ code: 'invalid_options', details: expect.objectContaining({ field: 'url' }) }));
    expect(() => websocket(['ws://127.0.0.1:1', 'http://127.0.0.1:2'])).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: 'url[1]' } }));
    expect(() => websocket(['ws://127.0.0.1:1', 'ws://127.0.0.1:1'])).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: 'url' } }));
    expect(() => websocket(Array.from({ length: 17 }, (_, i) => `ws://127.0.0.1:${i + 1}`))).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });

  it('describes all its hubs, so a dataset worker dials the same list', () => {
    const many = websocket(['ws://127.0.0.1:1', 'ws://127.0.0.1:2'], { token: 't' });
    expect(many.describe!()).toEqual({ kind: 'websocket', url: 'ws://127.0.0.1:1', urls: ['ws://127.0.0.1:1', 'ws://127.0.0.1:2'], token: 't' });
    expect(websocket('ws://127.0.0.1:1').describe!()).toEqual({ kind: 'websocket', url: 'ws://127.0.0.1:1', token: '' });
  });
});
