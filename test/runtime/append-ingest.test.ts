import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RecordBatch } from '../../src/pipeline/record-batch.ts';
import type { SyncNode } from '../../src/runtime/sync-node.ts';
import { sqliteStorage } from '../../adapters/storage/sqlite/better-sqlite3/index.ts';
import { Harness } from '../sync/harness.ts';

/** Every record of the dataset, in stored order. */
async function storedRecords(node: SyncNode, datasetId = 'logs'): Promise<{ n: number }[]> {
  const out: { n: number }[] = [];
  let after = null;
  for (;;) {
    const page = await node.dataset(datasetId).records(after, 1000);
    out.push(...(page.records as { n: number }[]));
    if (page.next === null) return out;
    after = page.next;
  }
}

function batch(source: string, firstSeq: number, count: number, pad = ''): RecordBatch {
  const records = Array.from({ length: count }, (_, i) => ({ n: firstSeq + i, pad }));
  return { records, count, firstSeq, source };
}

describe('append ingest: encoded in the pipeline, stored once', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('a batch sent again after its worker died is not stored twice (the restarted worker reads its keys back)', async () => {
    const node = await h.node('n', { datasets: { primary: {}, logs: { kind: 'append', worker: true } } });
    const worker = node.workerOf('logs')!;
    await worker.ingest(batch('a1b2c3', 0, 100), 'records');
    await worker.ingest(batch('a1b2c3', 100, 100), 'records');
    // The worker stored both and dies; the buffer never heard back about the second, so it sends it again.
    await worker.crashForTest();
    await vi.waitFor(() => expect(worker.workerStatus()).toMatchObject({ state: 'running', restarts: 1 }), { timeout: 15_000 });
    await worker.ingest(batch('a1b2c3', 100, 100), 'records');
    await worker.ingest(batch('a1b2c3', 0, 100), 'records');
    await worker.ingest(batch('a1b2c3', 200, 100), 'records');
    // Another buffer (a reloaded page) numbers from 0 again: its batches are its own.
    await worker.ingest(batch('d4e5f6', 0, 10), 'records');

    const ns = (await storedRecords(node)).map((r) => r.n);
    expect(ns.length).toBe(310);
    expect(ns.slice(0, 300)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect((await node.metrics()).logs!.oplogEntries).toBe(4);
  });

  for (const worker of [false, true]) {
    it(`splits a batch the store cannot hold in one entry, and refuses only a record that alone is too large (worker: ${worker})`, async () => {
      const node = await h.node(`s-${worker}`, { storage: sqliteStorage({ path: join(h.dir(), 's.db'), maxPayloadBytes: 4_096 }), datasets: { primary: {}, logs: { kind: 'append', worker } } });
      const logs = node.dataset('logs');
      // 40 records of about 200 bytes: 8 kB of JSON, two entries' worth. The buffer's own bound
      // (flushBytes, 512 KiB by default) lets them through as one batch; the pipeline splits it.
      logs.append(Array.from({ length: 40 }, (_, n) => ({ n, pad: 'é'.repeat(90) })));
      // 3,000 three-byte characters: under flushBytes by the buffer's estimate, over 4 kB encoded.
      logs.append({ n: 40, pad: '€'.repeat(3_000) });
      logs.append({ n: 41, pad: '' });
      await logs.flush();
      const ns = (await storedRecords(node)).map((r) => r.n);
      expect(ns).toEqual([...Array.from({ length: 40 }, (_, i) => i), 41]);
      const buffer = (await node.metrics()).logs!.buffer!;
      expect(buffer).toMatchObject({ appended: 42, ingested: 41, dropped: { refused: 1 } });
      expect((await node.metrics()).logs!.oplogEntries).toBeGreaterThan(2);
    });
  }

  it('refuses a malformed batch at the worker boundary with a typed error, storing nothing', async () => {
    const node = await h.node('m', { datasets: { primary: {}, logs: { kind: 'append', worker: true } } });
    const worker = node.workerOf('logs')!;
    for (const bad of [{ records: [], count: 0, firstSeq: 0, source: 'ab' }, { ...batch('ab', 0, 2), count: 3 }, { ...batch('ab', 0, 1), source: '../x' }, { ...batch('ab', 0, 1), firstSeq: -1 }]) {
      await expect(worker.ingest(bad as RecordBatch, 'records')).rejects.toMatchObject({ name: 'SluiceError', code: 'invalid_payload' });
    }
    expect((await node.metrics()).logs!.oplogEntries).toBe(0);
  });
});
