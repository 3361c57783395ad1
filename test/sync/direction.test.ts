import { afterEach, describe, expect, it } from 'vitest';
import { memoryStorage } from '../../adapters/storage/memory/index.ts';
import { createNode } from '../../src/runtime/create-node.ts';
import { Harness } from './harness.ts';

describe('sync direction', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('append datasets upload only by default: the hub keeps every record, and another client downloads none', async () => {
    const datasets = { primary: {}, logs: { kind: 'append' as const, worker: false } };
    const hub = await h.hub('hub', { datasets });
    const a = await h.node('a', { peers: [h.peer(hub.url)], datasets });
    const b = await h.node('b', { peers: [h.peer(hub.url)], datasets });
    await Promise.all([a.syncNow(), b.syncNow()]);
    a.dataset('logs').append(Array.from({ length: 100 }, (_, i) => ({ n: i })));
    await a.dataset('logs').flush();
    await a.syncNow('logs');
    await b.syncNow('logs');
    expect((await hub.node.metrics()).logs!.oplogEntries).toBeGreaterThan(0);
    const bLogs = (await b.metrics()).logs!;
    expect(bLogs.oplogEntries).toBe(0);
    expect(bLogs.entriesIn).toBe(0);
    // primary still flows both ways
    await b.collection('todos').put('from-b', 1);
    await b.syncNow();
    await a.syncNow();
    expect(await a.collection('todos').get('from-b')).toBe(1);
  });

  it("'pull' downloads and never uploads: the hub does not get the replica's local writes", async () => {
    const hub = await h.hub('hub');
    await hub.node.collection('todos').put('from-hub', 1);
    const replica = await h.node('replica', { peers: [h.peer(hub.url)], datasets: { primary: { direction: 'pull' } } });
    await replica.collection('todos').put('local-only', 2);
    await replica.syncNow();
    expect(await replica.collection('todos').get('from-hub')).toBe(1);
    expect(await hub.node.collection('todos').get('local-only')).toBeUndefined();
  });

  it('is validated', async () => {
    await expect(createNode({ storage: memoryStorage(), datasets: { primary: { direction: 'up' as never } } })).rejects.toMatchObject({ code: 'invalid_options', details: { field: 'datasets.primary.direction' } });
  });
});
