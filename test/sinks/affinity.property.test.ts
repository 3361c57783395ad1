import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SinkRecord } from '../../src/pipeline/sinks/sink-api.ts';
import { bucketOf, writerOfBucket } from '../../src/pipeline/sinks/stable-hash.ts';
import { keyOwners, newStore, openHarness, record, TestWriter, type Harness } from './sink-harness.ts';

// T2: every key goes to exactly one writer, in push order, and the assignment is a pure function of
// (key, buckets, writers): the same in two independently built runners and after a restart.

const scenario = fc.record({
  keys: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 250 }),
  cuts: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
  parallelism: fc.integer({ min: 1, max: 8 }),
  buckets: fc.constantFrom(8, 13, 128),
  credit: fc.integer({ min: 1, max: 16 }),
  hops: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function stream(s: Scenario): SinkRecord[][] {
  const records = s.keys.map((k, i) => record(`doc-${k}`, { seq: i }));
  const batches: SinkRecord[][] = [];
  for (let at = 0, c = 0; at < records.length; c++) {
    const size = s.cuts[c % s.cuts.length]!;
    batches.push(records.slice(at, at + size));
    at += size;
  }
  return batches;
}

async function run(s: Scenario, store = newStore(), withBarrier = false): Promise<Harness> {
  const h = await openHarness(
    { parallelism: s.parallelism, partition: { strategy: 'hash', fields: ['documentId'], buckets: s.buckets } },
    { maxQueuedRecords: s.credit },
    store,
    (i) => Object.assign(new TestWriter(i), { hops: s.hops[i]! }),
  );
  // Pushes are awaited one after another, as a source does; writers drain concurrently meanwhile.
  for (const batch of stream(s)) await h.runner.push(batch);
  if (withBarrier) await h.runner.barrier({ offset: s.keys.length });
  await h.runner.close();
  return h;
}

function assertAffinity(s: Scenario, h: Harness): Map<string, number> {
  const owners = keyOwners(h.writers); // throws if a key reached two writers
  for (const [key, writer] of owners) {
    expect(writer).toBe(writerOfBucket(bucketOf(key, s.buckets), s.buckets, s.parallelism));
  }
  for (const writer of h.writers) {
    const lastSeq = new Map<string, number>();
    for (const r of writer.records()) {
      const n = r.hlc.logic;
      expect(n).toBeGreaterThan(lastSeq.get(r.key) ?? -1);
      lastSeq.set(r.key, n);
    }
  }
  const delivered = h.writers.reduce((sum, w) => sum + w.records().length, 0);
  expect(delivered).toBe(s.keys.length);
  return owners;
}

describe('T2 key affinity', () => {
  it('routes each key to one writer in order, identically across runners and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const store = newStore();
        const first = assertAffinity(s, await run(s, store, true));
        const independent = assertAffinity(s, await run(s));
        const restarted = await run(s, store); // opens from the checkpoint the first run wrote
        expect(restarted.runner.checkpoint()?.barrier).toBe(1);
        const afterRestart = assertAffinity(s, restarted);
        expect([...independent]).toEqual([...first]);
        expect([...afterRestart]).toEqual([...first]);
      }),
      { numRuns: 60 },
    );
  });
});
