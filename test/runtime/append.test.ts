import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../sync/harness.ts';

describe('append datasets end to end', () => {
  const h = new Harness();
  afterEach(() => h.close());

  async function readAll(handle: { records(after?: never, limit?: number): Promise<{ records: unknown[]; next: unknown }> }): Promise<unknown[]> {
    const out: unknown[] = [];
    let after: unknown = null;
    for (;;) {
      const page = await (handle.records as (a: unknown, l: number) => Promise<{ records: unknown[]; next: unknown }>)(after, 500);
      out.push(...page.records);
      if (page.next === null) return out;
      after = page.next;
    }
  }

  it('moves a flood of records from the client worker to the hub worker without loss or duplicates', async () => {
    const hub = await h.hub('hub', { datasets: { primary: {}, logs: { kind: 'append' } } });
    const client = await h.node('client', { peers: [h.peer(hub.url)], datasets: { primary: {}, logs: { kind: 'append', buffer: { policy: 'block', maxRecords: 5_000 } } } });
    const logs = client.dataset('logs');
    for (let i = 0; i < 20_000; i += 1_000) {
      await logs.append(Array.from({ length: 1_000 }, (_, j) => ({ seq: i + j, level: 'info', msg: `event ${i + j}` })));
    }
    await logs.flush();
    await client.syncNow('logs');

    const m = await client.metrics();
    expect(m.logs!.worker.state).toBe('running');
    expect(m.logs!.buffer).toMatchObject({ appended: 20_000, ingested: 20_000, spilled: 0, depth: 0 });
    expect(Object.values(m.logs!.buffer!.dropped).reduce((a, b) => a + b, 0)).toBe(0);
    // batches, not records, are the unit on disk and on the wire
    expect(m.logs!.oplogEntries).toBeLessThan(200);

    const seqs = (await readAll(hub.node.dataset('logs') as never)).map((r) => (r as { seq: number }).seq);
    expect(seqs.length).toBe(20_000);
    expect(new Set(seqs).size).toBe(20_000);
    expect(Math.min(...seqs)).toBe(0);
    expect(Math.max(...seqs)).toBe(19_999);
    const hubLogs = (await hub.node.metrics()).logs!;
    expect(hubLogs.worker.state).toBe('running');
    // Both sides count the records they stored, and the bytes their sockets carried as they crossed.
    expect(m.logs!.recordsStored).toBe(20_000);
    expect(hubLogs.recordsStored).toBe(20_000);
    expect(m.logs!.bytesOut).toBeGreaterThan(50_000); // compressed on the wire: about 100 kB for 1 MB of JSON
    expect(hubLogs.bytesIn).toBe(m.logs!.bytesOut);
  });

  // The same bad input gets the same typed error whether the dataset runs in-process or in a worker,
  // where the SluiceError is thrown on the other side of the thread boundary.
  for (const worker of [false, true]) {
    it(`rejects append on documents datasets and put on append datasets, with messages that say what to do (worker: ${worker})`, async () => {
      const node = await h.node(`n-${worker}`, { datasets: { primary: {}, notes: { worker }, logs: { kind: 'append', worker } } });
      expect(() => node.dataset('primary').append({ a: 1 })).toThrow(expect.objectContaining({ code: 'invalid_options', message: expect.stringContaining("kind: 'append'") }));
      await expect(node.collection('x', 'logs').put('k', 1)).rejects.toMatchObject({ name: 'SluiceError', code: 'invalid_options', message: expect.stringContaining('append()') });
      expect(() => node.dataset('logs').append({ bad: Number.NaN })).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
      await expect(node.collection('items', 'notes').put('', 1)).rejects.toMatchObject({ name: 'SluiceError', code: 'invalid_key' });
      await expect(node.collection('items', 'notes').put('k', { n: Number.NaN } as never)).rejects.toMatchObject({ name: 'SluiceError', code: 'invalid_payload' });
      await expect(node.collection('items', 'notes').get('')).rejects.toMatchObject({ name: 'SluiceError', code: 'invalid_key' });
      await expect(h.node(`m-${worker}`, { datasets: { logs: { kind: 'append', worker, buffer: { policy: 'drop-everything' as never } } } })).rejects.toMatchObject({
        code: 'invalid_options',
        details: { field: expect.stringContaining('datasets.logs.buffer') },
      });
    });
  }
});
