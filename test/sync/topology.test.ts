import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';
import { tapConnector } from './tap.ts';

describe('topologies and backlogs', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('three nodes in a line (A - hub - B) converge through the hub', async () => {
    const hub = await h.hub('hub');
    const a = await h.node('a', { peers: [h.peer(hub.url)] });
    const b = await h.node('b', { peers: [h.peer(hub.url)] });
    await a.collection('todos').put('from-a', { n: 1 });
    await b.collection('todos').put('from-b', { n: 2 });
    await a.collection('todos').put('shared', { by: 'a' });
    await b.collection('todos').put('shared', { by: 'b' });
    await a.syncNow();
    await b.syncNow();
    await a.syncNow();
    const [fromA, fromB, fromHub] = await Promise.all([a, b, hub.node].map((n) => n.collection('todos').all()));
    expect(fromA!.map((d) => d.key)).toEqual(['from-a', 'from-b', 'shared']);
    expect(fromB).toEqual(fromA);
    expect(fromHub).toEqual(fromA);
  });

  it('a late joiner catches up a 50k-entry backlog in bounded batches', async () => {
    const hub = await h.hub('hub', { datasets: { primary: { maxEntriesPerCycle: 2_000 } } });
    const todos = hub.node.collection('todos');
    for (let start = 0; start < 50_000; start += 5_000) {
      await todos.putMany(Array.from({ length: 5_000 }, (_, j) => ({ key: `k${start + j}`, value: { i: start + j } })));
    }
    const sizes: number[] = [];
    const connector = tapConnector(h.peer(hub.url), (message) => {
      if (message.kind === 'changeSet') sizes.push(message.entries.length);
    });
    const late = await h.node('late', { peers: [connector], datasets: { primary: { maxEntriesPerCycle: 2_000 } } });
    const report = await late.syncNow();
    expect(report[0]!.peers[0]).toMatchObject({ ok: true });
    expect((await late.metrics()).primary!.oplogEntries).toBe(50_000);
    await connector.settled();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2_000);
    expect(sizes.length).toBeGreaterThanOrEqual(25);
    expect(await late.collection('todos').get('k49999')).toEqual({ i: 49_999 });
  });
});
