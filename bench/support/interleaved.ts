import { percentiles } from './latency.ts';

/*
 * Timing candidates that do the same work (sluice and a raw baseline) on a noisy machine: each
 * query q runs on every candidate in turn, in a rotating order, so that noise hits them alike.
 * Browser-safe (no Node imports): the query bench's Chromium page uses it too.
 */

/** p50 of each candidate over `queries` queries, after `warmup` untimed rounds. */
export async function timeInterleaved(candidates: readonly ((q: number) => Promise<unknown>)[], queries: number, warmup: number): Promise<number[]> {
  for (let q = 0; q < warmup; q++) for (const run of candidates) await run(q);
  const samples = candidates.map(() => [] as number[]);
  for (let q = 0; q < queries; q++) {
    for (let i = 0; i < candidates.length; i++) {
      const c = (q + i) % candidates.length;
      const start = performance.now();
      await candidates[c]!(q);
      samples[c]!.push(performance.now() - start);
    }
  }
  return samples.map((s) => percentiles(s).p50);
}
