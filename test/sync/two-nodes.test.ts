import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';

describe('two nodes over a loopback WebSocket', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('converge: writes on both sides and deletes', async () => {
    const hub = await h.hub('hub');
    const client = await h.node('client', { peers: [h.peer(hub.url)] });
    await client.collection('todos').put('a', { title: 'from client' });
    await hub.node.collection('todos').put('b', { title: 'from hub' });
    await client.syncNow();
    expect(await hub.node.collection('todos').get('a')).toEqual({ title: 'from client' });
    expect(await client.collection('todos').get('b')).toEqual({ title: 'from hub' });

    await hub.node.collection('todos').delete('a');
    await client.syncNow();
    expect(await client.collection('todos').get('a')).toBeUndefined();
    expect(await client.collection('todos').all()).toEqual(await hub.node.collection('todos').all());
  });

  it('resolves concurrent edits identically on both sides', async () => {
    const hub = await h.hub('hub');
    const client = await h.node('client', { peers: [h.peer(hub.url)] });
    await client.collection('todos').put('x', { v: 'client' });
    await hub.node.collection('todos').put('x', { v: 'hub' });
    await client.syncNow();
    await client.syncNow();
    const a = await client.collection('todos').get('x');
    const b = await hub.node.collection('todos').get('x');
    expect(a).toEqual(b);
  });
});
