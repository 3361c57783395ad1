import { describe, expect, it } from 'vitest';
import { keyOwners, newStore, openHarness, record, TestWriter } from './sink-harness.ts';

// T5: the bucket count is part of the durable state; a restore keeps the assignment or is refused.

const keys = Array.from({ length: 200 }, (_, i) => `doc-${i}`);

describe('T5 restore', () => {
  it('keeps the same assignment with the same bucket count', async () => {
    const store = newStore();
    const before = await openHarness({ parallelism: 4, partition: { strategy: 'hash', fields: ['documentId'], buckets: 64 } }, {}, store);
    await before.runner.push(keys.map((k) => record(k)));
    await before.runner.barrier({ offset: 200 });
    await before.runner.close();

    const after = await openHarness({ parallelism: 4, partition: { strategy: 'hash', fields: ['documentId'], buckets: 64 } }, {}, store);
    expect(after.runner.checkpoint()).toEqual({ barrier: 1, buckets: 64, position: { offset: 200 } });
    await after.runner.push(keys.map((k) => record(k)));
    await after.runner.close();
    expect([...keyOwners(after.writers)]).toEqual([...keyOwners(before.writers)]);
  });

  it('refuses a different bucket count unless rebalance: true', async () => {
    const store = newStore();
    const first = await openHarness({}, {}, store);
    await first.runner.barrier('p1');
    await first.runner.close();

    let opened = 0;
    const refused = openHarness({ partition: { strategy: 'hash', fields: ['documentId'], buckets: 256 } }, {}, store, (i) => {
      opened++;
      return new TestWriter(i);
    });
    await expect(refused).rejects.toMatchObject({
      code: 'invalid_options',
      message: expect.stringContaining('rebalance: true'),
      details: { stored: 128, configured: 256 },
    });
    expect(opened).toBe(0); // refused before any writer was opened
    // Switching to `none` is a bucket-count change too (one bucket).
    await expect(openHarness({ parallelism: 1, partition: { strategy: 'none' } }, {}, store)).rejects.toMatchObject({ code: 'invalid_options' });

    const rebalanced = await openHarness({ partition: { strategy: 'hash', fields: ['documentId'], buckets: 256 }, rebalance: true }, {}, store);
    expect(rebalanced.runner.checkpoint()).toEqual({ barrier: 1, buckets: 128, position: 'p1' });
    expect(await rebalanced.runner.barrier('p2')).toBe(2);
    expect(await store.get('sink:search')).toEqual({ barrier: 2, buckets: 256, position: 'p2' });
    await rebalanced.runner.close();

    // From now on 256 is the stored count: reopening with it needs no flag.
    const again = await openHarness({ partition: { strategy: 'hash', fields: ['documentId'], buckets: 256 } }, {}, store);
    await again.runner.close();
  });

  it('allows a parallelism change at a checkpoint: whole bucket ranges move', async () => {
    const store = newStore();
    const four = await openHarness({ parallelism: 4 }, {}, store);
    await four.runner.barrier(0);
    await four.runner.close();
    const two = await openHarness({ parallelism: 2 }, {}, store);
    await two.runner.push(keys.map((k) => record(k)));
    await two.runner.close();
    expect(two.writers.map((w) => w.records().length).reduce((a, b) => a + b)).toBe(200);
  });

  it('refuses a malformed stored checkpoint', async () => {
    const store = newStore();
    await store.set('sink:search', { barrier: 'x' });
    await expect(openHarness({}, {}, store)).rejects.toMatchObject({ code: 'invalid_payload' });
  });
});
