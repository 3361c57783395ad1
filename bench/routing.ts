/*
 * routing: sink throughput with 1, 2 and 4 writers under keyed hash routing, against a single
 * writer (strategy 'none') in the same run, plus the routing overhead per record. Writers simulate
 * a remote index: each batch costs a fixed round trip (I/O-bound, as real sinks are), so parallel
 * writers overlap their waits. A write costs a round trip plus a per-record service time.
 */
import { memoryStorage } from '../adapters/storage/memory/index.ts';
import type { SinkConfig, SinkRecord } from '../src/pipeline/sinks/sink-api.ts';
import { SinkRunner } from '../src/pipeline/sinks/sink-runner.ts';
import { bucketOf } from '../src/pipeline/sinks/stable-hash.ts';

const RECORDS = 40_000;
const PUSH = 500;
const ROUND_TRIP_MS = 2;
/** Server-side time per record in a write (waiting, not CPU), as a remote index spends per document. */
const PER_RECORD_MS = 0.02;

function records(): SinkRecord[] {
  return Array.from({ length: RECORDS }, (_, i) => ({
    datasetId: 'primary',
    collection: 'docs',
    key: `doc-${(i * 7919) % 10_000}`,
    op: 'put' as const,
    value: { text: `document body ${i}` },
    hlc: { wall: 1_700_000_000_000 + i, logic: 0, nodeId: 'writer' },
    hash: i.toString(16).padStart(64, '0'),
  }));
}

async function throughput(config: SinkConfig, input: SinkRecord[]): Promise<{ perS: number; skew: number | null }> {
  const runner = await SinkRunner.open(config, memoryStorage().open('primary').checkpoints);
  const start = performance.now();
  for (let i = 0; i < input.length; i += PUSH) await runner.push(input.slice(i, i + PUSH));
  await runner.barrier({ done: true });
  const seconds = (performance.now() - start) / 1000;
  const skew = runner.metrics().skew;
  await runner.close();
  return { perS: input.length / seconds, skew: typeof skew === 'number' ? skew : null };
}

function sink(name: string, writers: number, hashed: boolean): SinkConfig {
  return {
    name,
    parallelism: writers,
    partition: hashed ? { strategy: 'hash', fields: ['documentId'] } : { strategy: 'none' },
    open: () => ({
      write: (batch: readonly SinkRecord[]) => new Promise<void>((resolve) => setTimeout(resolve, ROUND_TRIP_MS + batch.length * PER_RECORD_MS)),
      onControl: async () => undefined,
      checkpoint: async () => undefined,
    }),
  };
}

export async function run(): Promise<void> {
  const input = records();
  await throughput(sink('warmup', 2, true), input.slice(0, 5_000));
  const single = await throughput(sink('single', 1, false), input);
  for (const writers of [1, 2, 4]) {
    const r = await throughput(sink(`hash-${writers}`, writers, true), input);
    console.log(JSON.stringify({ bench: 'routing', writers, records_per_s: Math.round(r.perS), single_writer_per_s: Math.round(single.perS), ratio_vs_single: Math.round((r.perS / single.perS) * 100) / 100, skew: r.skew === null ? null : Math.round(r.skew * 100) / 100 }));
  }
  // Routing overhead: hashing a canonical key and picking its bucket, per record, against a loop
  // that only builds the same key.
  const keys = input.map((r) => r.key);
  let sink0 = 0;
  let t = performance.now();
  for (let round = 0; round < 5; round++) for (const k of keys) sink0 += k.length;
  const base = (performance.now() - t) / (5 * keys.length);
  t = performance.now();
  for (let round = 0; round < 5; round++) for (const k of keys) sink0 += bucketOf(k, 128);
  const routed = (performance.now() - t) / (5 * keys.length);
  console.log(JSON.stringify({ bench: 'routing', metric: 'overhead', ns_per_record: Math.round((routed - base) * 1e6), checksum: sink0 % 7 }));
}
