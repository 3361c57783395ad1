import { describe, expect, it } from 'vitest';
import type { SinkRecord } from '../../src/pipeline/sinks/sink-api.ts';
import { deferred, ManualClock, openHarness, record, settleTurns, until, type TestWriter } from './sink-harness.ts';

// T8: barrier n covers exactly what was pushed before it, on every writer, and becomes durable
// only once every writer acknowledged it.

function batch(prefix: string, count: number): SinkRecord[] {
  return Array.from({ length: count }, (_, i) => record(`${prefix}-${i}`));
}

function checkpointsOf(writer: TestWriter): number[] {
  return writer.log.flatMap((e) => (e.type === 'checkpoint' ? [e.id] : []));
}

describe('T8 barriers', () => {
  it('puts everything pushed before barrier n, and nothing after, ahead of checkpoint(n) on every writer', async () => {
    const { runner, writers, store } = await openHarness({ parallelism: 4 }, { maxQueuedRecords: 5 });
    writers[3]!.hops = 2;
    const first = batch('one', 40);
    const second = batch('two', 40);
    const third = batch('three', 40);

    const p1 = runner.push(first);
    const b1 = runner.barrier({ offset: 40 });
    const p2 = runner.push(second);
    const b2 = runner.barrier({ offset: 80 });
    const p3 = runner.push(third);
    await Promise.all([p1, p2, p3]);
    expect(await b1).toBe(1);
    expect(await b2).toBe(2);

    const segment = (prefix: string) => (r: SinkRecord) => r.key.startsWith(`${prefix}-`);
    for (const writer of writers) {
      expect(checkpointsOf(writer)).toEqual([1, 2]);
      const at1 = writer.log.findIndex((e) => e.type === 'checkpoint' && e.id === 1);
      const at2 = writer.log.findIndex((e) => e.type === 'checkpoint' && e.id === 2);
      const rows = (from: number, to: number) => writer.log.slice(from, to).flatMap((e) => (e.type === 'data' ? e.records : []));
      expect(rows(0, at1).every(segment('one'))).toBe(true);
      expect(rows(at1, at2).every(segment('two'))).toBe(true);
      expect(rows(at2, writer.log.length).every(segment('three'))).toBe(true);
      expect(rows(0, at1).length).toBe(writer.records().filter(segment('one')).length);
    }
    expect(runner.checkpoint()).toEqual({ barrier: 2, buckets: 128, position: { offset: 80 } });
    expect(await store.get('sink:search')).toEqual({ barrier: 2, buckets: 128, position: { offset: 80 } });
    await runner.close();
  });

  it('does not move the durable checkpoint until the slowest writer acknowledges', async () => {
    const clock = new ManualClock();
    const { runner, writers, store } = await openHarness({ parallelism: 3 }, { now: clock.now });
    await runner.push(batch('a', 30));
    await runner.barrier('pos-1');

    const slow = deferred();
    writers[1]!.checkpointGate = slow.promise;
    await runner.push(batch('b', 30));
    let done = false;
    const barrier = runner.barrier('pos-2').then((id) => {
      done = true;
      return id;
    });
    await until(() => writers.every((w) => checkpointsOf(w).includes(2)));
    await settleTurns(2); // the fast writers' acks land at clock 0
    expect(done).toBe(false);
    expect(runner.checkpoint()?.barrier).toBe(1);
    expect(await store.get('sink:search')).toEqual({ barrier: 1, buckets: 128, position: 'pos-1' });

    clock.advance(7);
    writers[1]!.checkpointGate = undefined;
    slow.resolve();
    expect(await barrier).toBe(2);
    expect(await store.get('sink:search')).toEqual({ barrier: 2, buckets: 128, position: 'pos-2' });
    expect(runner.metrics().lastBarrierAlignmentMs).toBe(7);
    await runner.close();
  });

  it('keeps the checkpoint at n-1 when a writer rejects checkpoint(n), and fails later calls', async () => {
    const { runner, writers, store } = await openHarness({ parallelism: 3 });
    await runner.push(batch('a', 20));
    expect(await runner.barrier({ at: 1 })).toBe(1);
    await runner.push(batch('b', 20));
    writers[2]!.failCheckpoint = new Error('disk full');

    await expect(runner.barrier({ at: 2 })).rejects.toMatchObject({
      code: 'sink_failed',
      details: { writer: 2, operation: 'checkpoint' },
      message: expect.stringMatching(/replay the source from checkpoint\(\)\.position/),
    });
    expect(runner.checkpoint()).toEqual({ barrier: 1, buckets: 128, position: { at: 1 } });
    expect(await store.get('sink:search')).toEqual({ barrier: 1, buckets: 128, position: { at: 1 } });
    await expect(runner.push([record('c')])).rejects.toMatchObject({ code: 'sink_failed' });
    await expect(runner.barrier({ at: 3 })).rejects.toMatchObject({ code: 'sink_failed' });
    expect(runner.metrics().failed).toBe(true);
    await expect(runner.close()).rejects.toMatchObject({ code: 'sink_failed' });
    expect(writers.every((w) => w.closed)).toBe(true);
  });

  it('numbers barriers on from the stored checkpoint', async () => {
    const h1 = await openHarness();
    await h1.runner.barrier(null);
    await h1.runner.barrier(null);
    await h1.runner.close();
    const h2 = await openHarness({}, {}, h1.store);
    expect(h2.runner.checkpoint()?.barrier).toBe(2);
    expect(await h2.runner.barrier({ resumed: true })).toBe(3);
    expect(h2.writers.every((w) => checkpointsOf(w).join() === '3')).toBe(true);
    await h2.runner.close();
  });

  it('needs a JSON position, and copies it', async () => {
    const { runner } = await openHarness();
    await expect(runner.barrier(undefined)).rejects.toMatchObject({ code: 'invalid_payload' });
    await expect(runner.barrier({ n: NaN })).rejects.toMatchObject({ code: 'invalid_payload' });
    const position = { offset: 1 };
    await runner.barrier(position);
    position.offset = 99;
    expect(runner.checkpoint()?.position).toEqual({ offset: 1 });
    await runner.close();
  });
});
