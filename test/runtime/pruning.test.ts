import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../sync/harness.ts';

describe('peer-confirmed pruning through real sync', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('prunes what every active tracked peer confirmed, waits for a peer that has not, and never touches other datasets', async () => {
    const hub = await h.hub('hub', { datasets: { primary: {}, notes: {} } });
    const storage = h.storage('client');
    // Tiny retention: only peer confirmations hold entries back.
    const client = await h.node('client', { storage, peers: [h.peer(hub.url)], datasets: { primary: { retention: { maxAgeMs: 1 } }, notes: { retention: { maxAgeMs: 1 } } } });
    await client.collection('todos').putMany(Array.from({ length: 50 }, (_, i) => ({ key: `t${i}`, value: i })));
    await client.collection('todos', 'notes').putMany(Array.from({ length: 10 }, (_, i) => ({ key: `n${i}`, value: i })));
    await hub.node.collection('todos').put('from-hub', true);
    await client.syncNow();
    await client.syncNow(); // a second round reads the hub's clock after our pushes

    // A tracked peer that never synced holds everything back, and says so.
    await client.trackPeer('primary', 'offline-laptop');
    await new Promise((r) => setTimeout(r, 5)); // let the 1 ms retention window pass
    const held = await client.maintainNow('primary');
    expect(held.pruned).toBe(0);
    expect(held.reason).toContain('offline-laptop');
    expect((await client.metrics()).primary!.health.peersWithoutConfirmation).toContain('offline-laptop');

    expect(await client.untrackPeer('primary', 'offline-laptop')).toBe(true);
    const report = await client.maintainNow('primary');
    expect(report.pruned).toBe(51); // our 50 and the hub's 1: the hub confirmed both authors
    const m = await client.metrics();
    expect(m.primary!.oplogEntries).toBe(0);
    expect(m.primary!.entriesPruned).toBe(51);
    expect(m.notes!.oplogEntries).toBe(10); // notes is pruned only by its own maintenance
    expect(await client.collection('todos').get('t49')).toBe(49); // documents stay

    // Pruned history still links up: new writes sync in both directions.
    await client.collection('todos').put('after-prune', 1);
    await hub.node.collection('todos').put('hub-after', 2);
    await client.syncNow();
    expect(await hub.node.collection('todos').get('after-prune')).toBe(1);
    expect(await client.collection('todos').get('hub-after')).toBe(2);
  });
});
