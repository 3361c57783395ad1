/*
 * codec: bytes per oplog entry and encode+decode throughput of our frames against JSON of the
 * same entries, in the same run. Ratios are ours / JSON: bytes_ratio < 1 means smaller frames,
 * speed_ratio > 1 means faster. Both sides decode back to validated entries.
 */
import { assertEntry, type OplogEntry } from '../src/core/oplog-entry.ts';
import { decodeFrame, encodeFrame } from '../src/protocol/wire-codec.ts';
import { buildWorkload } from './apply.ts';

const ENTRIES = 20_000;
const BATCH = 500;
const ROUNDS = 5;
const MAX_FRAME = 16 * 1024 * 1024;

export async function run(): Promise<void> {
  const entries = buildWorkload(ENTRIES).batches.flatMap((b) => b.entries);
  const batches: OplogEntry[][] = [];
  for (let i = 0; i < entries.length; i += BATCH) batches.push(entries.slice(i, i + BATCH));
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  const ours = () => {
    let bytes = 0;
    for (const batch of batches) {
      const frame = encodeFrame({ kind: 'changeSet', datasetId: 'primary', entries: batch, hasMore: false, snapshotRequired: false }, 1);
      bytes += frame.length;
      const back = decodeFrame(frame, MAX_FRAME).message;
      if (back.kind !== 'changeSet' || back.entries.length !== batch.length) throw new Error('codec round trip failed');
    }
    return bytes;
  };
  const json = () => {
    let bytes = 0;
    for (const batch of batches) {
      const frame = encoder.encode(JSON.stringify({ kind: 'changeSet', datasetId: 'primary', entries: batch, hasMore: false }));
      bytes += frame.length;
      const back = JSON.parse(decoder.decode(frame)) as { entries: unknown[] };
      const validated = back.entries.map((e) => assertEntry(e));
      if (validated.length !== batch.length) throw new Error('json round trip failed');
    }
    return bytes;
  };

  // Warm both paths so the JIT has compiled them before timing.
  ours();
  json();
  let oursBest = Number.POSITIVE_INFINITY;
  let jsonBest = Number.POSITIVE_INFINITY;
  let oursBytes = 0;
  let jsonBytes = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    oursBytes = ours();
    oursBest = Math.min(oursBest, performance.now() - t);
    t = performance.now();
    jsonBytes = json();
    jsonBest = Math.min(jsonBest, performance.now() - t);
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  console.log(
    JSON.stringify({
      bench: 'codec',
      entries: ENTRIES,
      batch: BATCH,
      bytes_per_entry: round(oursBytes / ENTRIES),
      json_bytes_per_entry: round(jsonBytes / ENTRIES),
      entries_per_s: Math.round(ENTRIES / (oursBest / 1000)),
      json_entries_per_s: Math.round(ENTRIES / (jsonBest / 1000)),
      bytes_ratio: round(oursBytes / jsonBytes),
      speed_ratio: round(jsonBest / oursBest),
    }),
  );
}
