import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/pipeline/sinks/dead-letters.ts';
import type { SinkConfig, SinkRecord } from '../../src/pipeline/sinks/sink-api.ts';
import { newStore, openHarness, record, TestWriter } from './sink-harness.ts';

function without(r: SinkRecord, field: 'key' | 'collection'): SinkRecord {
  const copy = { ...r } as Record<string, unknown>;
  delete copy[field];
  return copy as unknown as SinkRecord;
}

describe('build-time validation', () => {
  const cases: [string, Partial<SinkConfig>, string][] = [
    ['parallelism 0', { parallelism: 0 }, 'parallelism'],
    ['parallelism 1.5', { parallelism: 1.5 }, 'parallelism'],
    ['empty fields', { partition: { strategy: 'hash', fields: [] } }, 'partition.fields'],
    ['zero buckets', { partition: { strategy: 'hash', fields: ['documentId'], buckets: 0 } }, 'partition.buckets'],
    ['too many buckets', { partition: { strategy: 'hash', fields: ['documentId'], buckets: 65_537 } }, 'partition.buckets'],
    ['more writers than buckets', { parallelism: 9, partition: { strategy: 'hash', fields: ['documentId'], buckets: 8 } }, 'parallelism'],
    ['none with parallelism 2', { parallelism: 2, partition: { strategy: 'none' } }, 'parallelism'],
    ['unknown field', { partition: { strategy: 'hash', fields: ['docId'] } }, 'docId'],
    ['empty name', { name: '' }, 'name'],
  ];
  it.each(cases)('%s → invalid_options naming %s', async (_, config, field) => {
    let opened = 0;
    await expect(
      openHarness(config, {}, newStore(), (i) => {
        opened++;
        return new TestWriter(i);
      }),
    ).rejects.toMatchObject({ code: 'invalid_options', details: expect.objectContaining({ field }) });
    expect(opened).toBe(0);
  });

  it('refuses a value routing field, naming it and saying why, even when the schema declares it', async () => {
    await expect(
      openHarness({ partition: { strategy: 'hash', fields: ['documentId', 'value.tenant'] }, schema: { notes: ['tenant', 'title'] } }),
    ).rejects.toMatchObject({
      code: 'invalid_options',
      details: { field: 'value.tenant' },
      message: expect.stringMatching(/"value\.tenant".*delete carries no value.*documentId/),
    });
  });

  it('accepts documentId and collection together, a 65 536-bucket table, and the default of 128', async () => {
    const h = await openHarness({ parallelism: 3, partition: { strategy: 'hash', fields: ['collection', 'documentId'], buckets: 65_536 } });
    expect(h.runner.metrics().bucketCount).toBe(65_536);
    await h.runner.close();
    const d = await openHarness();
    expect(d.runner.metrics().bucketCount).toBe(128);
    await d.runner.close();
  });

  it('checks options', async () => {
    await expect(openHarness({}, { maxQueuedRecords: 0 })).rejects.toMatchObject({ code: 'invalid_options', details: { field: 'maxQueuedRecords' } });
  });

  it('closes the writers it opened when another writer fails to open', async () => {
    const opened: TestWriter[] = [];
    await expect(
      openHarness({
        open: (i) => {
          if (i === 2) throw new Error('no connection');
          const w = new TestWriter(i);
          opened.push(w);
          return w;
        },
      }),
    ).rejects.toMatchObject({ code: 'sink_failed', message: expect.stringContaining('no connection') });
    expect(opened.length).toBe(3);
    expect(opened.every((w) => w.closed)).toBe(true);
    await expect(openHarness({ open: () => ({}) as never })).rejects.toMatchObject({ code: 'invalid_options', details: { field: 'open' } });
  });
});

describe('runtime routing failures', () => {
  it('dead-letters unroutable records with field and reason, and delivers the rest', async () => {
    const seen: DeadLetter[] = [];
    const { runner, writers } = await openHarness(
      { partition: { strategy: 'hash', fields: ['collection', 'documentId'] } },
      { maxDeadLetters: 2, onDeadLetter: (l) => seen.push(l) },
    );
    const good = [record('a'), record('b'), record('c')];
    const bad = [without(record('x'), 'key'), without(record('y'), 'collection'), { ...record('z'), key: 42 } as unknown as SinkRecord];
    await runner.push([good[0]!, bad[0]!, good[1]!, bad[1]!, bad[2]!, good[2]!]);
    await runner.close();

    expect(writers.flatMap((w) => w.records()).map((r) => r.key).sort()).toEqual(['a', 'b', 'c']);
    const m = runner.metrics();
    expect(m.deadLettered).toBe(3);
    expect(m.pushed).toBe(6);
    expect(seen.map((l) => [l.field, l.record])).toEqual([
      ['documentId', bad[0]],
      ['collection', bad[1]],
      ['documentId', bad[2]],
    ]);
    expect(seen[0]!.reason).toMatch(/no key/);
    expect(seen[2]!.reason).toMatch(/non-empty string, got number 42/);
    expect(m.deadLetters).toEqual(seen.slice(1)); // the newest two are kept
  });

  it('rejects a push that is not an array', async () => {
    const { runner } = await openHarness();
    await expect(runner.push('nope' as never)).rejects.toMatchObject({ code: 'invalid_payload' });
    await runner.close();
  });
});

describe('writer failure and recovery', () => {
  it('surfaces a failed write from the next call, keeps the checkpoint, and recovers by reopening and replaying', async () => {
    const store = newStore();
    const source = Array.from({ length: 60 }, (_, i) => record(`doc-${i % 20}`, { seq: i }));
    const h = await openHarness({ parallelism: 3 }, {}, store);
    await h.runner.push(source.slice(0, 30));
    await h.runner.barrier({ offset: 30 });
    h.writers[1]!.failWrite = new Error('index unavailable');
    await h.runner.push(source.slice(30, 45)).catch(() => {}); // may or may not see it yet
    await expect(h.runner.push(source.slice(45))).rejects.toMatchObject({ code: 'sink_failed', details: { writer: 1, operation: 'write' } });
    await expect(h.runner.barrier({ offset: 60 })).rejects.toMatchObject({ code: 'sink_failed' });
    expect(h.runner.checkpoint()?.position).toEqual({ offset: 30 });
    await expect(h.runner.close()).rejects.toMatchObject({ code: 'sink_failed' });

    const again = await openHarness({ parallelism: 3 }, {}, store);
    const from = (again.runner.checkpoint()!.position as { offset: number }).offset;
    await again.runner.push(source.slice(from));
    expect(await again.runner.barrier({ offset: 60 })).toBe(2);
    await again.runner.close();
    const replayed = again.writers.flatMap((w) => w.records());
    expect(replayed.map((r) => r.hash).sort()).toEqual(source.slice(30).map((r) => r.hash).sort());
  });
});

describe('close', () => {
  it('drains pushes made before it, closes writers, then refuses calls with store_closed', async () => {
    const { runner, writers } = await openHarness({}, { maxQueuedRecords: 3 });
    const pending = runner.push(Array.from({ length: 40 }, (_, i) => record(`k${i}`)));
    const closing = runner.close();
    expect(runner.close()).toBe(closing);
    await pending;
    await closing;
    expect(writers.reduce((n, w) => n + w.records().length, 0)).toBe(40);
    expect(writers.every((w) => w.closed)).toBe(true);
    await expect(runner.push([record('late')])).rejects.toMatchObject({ code: 'store_closed' });
    await expect(runner.control({ type: 'flush' })).rejects.toMatchObject({ code: 'store_closed' });
    await expect(runner.barrier(1)).rejects.toMatchObject({ code: 'store_closed' });
    expect(runner.metrics().writers.every((w) => w.queueDepth === 0)).toBe(true);
  });

  it('persists a barrier issued just before close', async () => {
    const { runner, store } = await openHarness();
    const barrier = runner.barrier('last');
    await runner.close();
    expect(await barrier).toBe(1);
    expect(await store.get('sink:search')).toEqual({ barrier: 1, buckets: 128, position: 'last' });
  });
});
