import { describe, expect, it } from 'vitest';
import type { SinkRecord } from '../../src/pipeline/sinks/sink-api.ts';
import { openHarness, record, TestWriter } from './sink-harness.ts';

// T13 / R11: `none` is today's behaviour: one writer, the pushed batches unchanged, in order.

describe('strategy none', () => {
  it('hands the writer the same records, order and batches as calling it directly', async () => {
    const batches: SinkRecord[][] = [
      [record('b'), record('a'), record('b', { op: 'delete' })],
      [record('z')],
      Array.from({ length: 50 }, (_, i) => record(`k${i % 7}`)),
    ];
    const direct = new TestWriter(0);
    for (const batch of batches) await direct.write(batch);
    await direct.onControl({ type: 'flush' });
    await direct.checkpoint(1);

    const { runner, writers } = await openHarness({ parallelism: 1, partition: { strategy: 'none' } });
    for (const batch of batches) await runner.push(batch);
    await runner.control({ type: 'flush' });
    expect(await runner.barrier({ offset: 54 })).toBe(1);
    await runner.close();

    expect(writers).toHaveLength(1);
    expect(writers[0]!.log).toEqual(direct.log);
    writers[0]!.records().forEach((r, i) => expect(r).toBe(direct.records()[i])); // the very same objects
    const m = runner.metrics();
    expect(m).toMatchObject({ strategy: 'none', bucketCount: 1, bucketsWithTraffic: 1, skew: 1, topKeys: [], deadLettered: 0 });
    expect(runner.checkpoint()).toEqual({ barrier: 1, buckets: 1, position: { offset: 54 } });
  });

  it('is the default, never reads keys, and cuts only batches larger than the credit', async () => {
    const { runner, writers } = await openHarness({ parallelism: undefined, partition: undefined }, { maxQueuedRecords: 1000 });
    const keyless = { ...record('x') } as Record<string, unknown>;
    delete keyless.key;
    const big = Array.from({ length: 2500 }, (_, i) => record(`k${i}`));
    await runner.push([keyless as unknown as SinkRecord]);
    await runner.push(big);
    await runner.close();
    expect(writers[0]!.log.map((e) => (e.type === 'data' ? e.records.length : e.type))).toEqual([1, 1000, 1000, 500]);
    expect(writers[0]!.records().slice(1)).toEqual(big);
    expect(runner.metrics().deadLettered).toBe(0);
  });
});
