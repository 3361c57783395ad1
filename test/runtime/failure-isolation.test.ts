import { afterEach, describe, expect, it, vi } from 'vitest';
import { SluiceError } from '../../src/core/errors.ts';
import type { StorageAdapter } from '../../src/store/storage-adapter.ts';
import { Harness } from '../sync/harness.ts';
import { mapStores } from '../support/map-stores.ts';

/** Storage whose logs dataset fails every batch, while every other dataset works. */
function failingFor(datasetId: string, storage: StorageAdapter): StorageAdapter {
  return mapStores(storage, (store) =>
    store.datasetId !== datasetId ? store : { ...store, documents: { ...store.documents, applyBatch: () => Promise.reject(new SluiceError('storage_failure', 'disk on fire')) } },
  );
}

describe('failure isolation between datasets', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('a logs dataset whose storage throws on every batch does not stop or slow primary', async () => {
    const hub = await h.hub('hub', { datasets: { primary: {}, logs: {} } });
    await hub.node.collection('events', 'logs').putMany(Array.from({ length: 50 }, (_, i) => ({ key: `e${i}`, value: i })));
    const client = await h.node('client', { storage: failingFor('logs', h.storage('client')), peers: [h.peer(hub.url)], datasets: { primary: {}, logs: {} } });
    await hub.node.collection('todos').put('from-hub', 1);
    await client.collection('todos').put('from-client', 2);
    const [primary, logs] = await client.syncNow();
    // primary converges in one round (the one a local write starts may already have carried the edits)
    expect(primary!.peers[0]).toMatchObject({ ok: true });
    expect(logs!.peers[0]).toMatchObject({ ok: false, code: 'storage_failure' });
    expect(await client.collection('todos').get('from-hub')).toBe(1);
    expect(await hub.node.collection('todos').get('from-client')).toBe(2);
    const m = await client.metrics();
    expect(m.logs!.errors).toBeGreaterThan(0);
    expect(m.logs!.peers[0]!.failures).toBeGreaterThan(0);
    expect(m.primary!.errors).toBe(0);
  });

  it('a peer that rejects logs leaves primary syncing every round', async () => {
    const hub = await h.hub('hub', { datasets: { primary: {}, logs: {} }, auth: { authorize: (_principal, ds) => ds === 'primary' } });
    const client = await h.node('client', { peers: [h.peer(hub.url)], datasets: { primary: {}, logs: {} } });
    for (let round = 0; round < 3; round++) {
      await client.collection('todos').put(`r${round}`, round);
      const [primary, logs] = await client.syncNow();
      expect(primary!.peers[0]).toMatchObject({ ok: true });
      expect(logs!.peers[0]).toMatchObject({ ok: false, code: 'dataset_not_granted' });
      expect(await hub.node.collection('todos').get(`r${round}`)).toBe(round);
    }
    expect((await hub.node.collection('todos').all()).length).toBe(3);
  });

  it('killing the logs worker mid-pull loses nothing and duplicates nothing (same hashes as the hub)', async () => {
    const hubStorage = h.storage('hub');
    const hub = await h.hub('hub', { storage: hubStorage, datasets: { primary: {}, logs: { kind: 'append', worker: false } } });
    const logs = hub.node.dataset('logs');
    for (let i = 0; i < 40; i++) logs.append(Array.from({ length: 500 }, (_, j) => ({ n: i * 500 + j, pad: 'x'.repeat(40) })));
    await logs.flush();
    const clientStorage = h.storage('client');
    const client = await h.node('client', { storage: clientStorage, peers: [h.peer(hub.url)], datasets: { primary: {}, logs: { kind: 'append', maxEntriesPerCycle: 2, direction: 'both' } } });
    const worker = client.workerOf('logs')!;
    // Kill the worker while it is pulling: a pull of 2 entries per batch takes many round trips.
    const pulling = client.syncNow('logs').catch((e: unknown) => e);
    await vi.waitFor(async () => expect((await client.metrics()).logs!.oplogEntries).toBeGreaterThan(0), { interval: 5 });
    await worker.crashForTest();
    await pulling;
    await vi.waitFor(() => expect(worker.workerStatus()).toMatchObject({ state: 'running', restarts: 1 }), { timeout: 15_000 });
    await client.syncNow('logs');

    const hashes = async (s: StorageAdapter) => (await s.open('logs').snapshots.export()).oplog.map((e) => e.hash).sort();
    const [mine, theirs] = [await hashes(clientStorage), await hashes(hubStorage)];
    expect(theirs.length).toBe(10); // 20 000 records in batches of 2 000
    expect(new Set(mine).size).toBe(mine.length);
    expect(mine).toEqual(theirs);
    const records: number[] = [];
    let after = null;
    for (;;) {
      const page = await client.dataset('logs').records(after, 1000);
      records.push(...page.records.map((r) => (r as { n: number }).n));
      if (page.next === null) break;
      after = page.next;
    }
    expect(records.length).toBe(20_000);
    expect(new Set(records).size).toBe(20_000);
  });

  it('a node configured with no datasets interoperates with a multi-dataset hub on primary', async () => {
    const hub = await h.hub('hub', { datasets: { primary: {}, logs: { kind: 'append' }, timeseries: { kind: 'append' } } });
    const legacy = await h.node('legacy', { peers: [h.peer(hub.url)] }); // no datasets: primary alone
    expect(legacy.datasetIds).toEqual(['primary']);
    await legacy.collection('todos').put('old-app', { ok: true });
    await hub.node.collection('todos').put('hub-doc', 1);
    expect((await legacy.syncNow())[0]!.peers[0]!.ok).toBe(true);
    expect(await hub.node.collection('todos').get('old-app')).toEqual({ ok: true });
    expect(await legacy.collection('todos').get('hub-doc')).toBe(1);
  });
});
