import { describe, expect, it } from 'vitest';
import { median } from '../../src/pipeline/sinks/sink-metrics.ts';
import { openHarness, record } from './sink-harness.ts';

// T3: 20 000 distinct keys spread over 128 buckets and 4 writers within a chi-square bound.
// Critical values of chi-square at 0.999: df = 127 → 181.993, df = 3 → 16.266.
const CHI2_999_DF127 = 181.993;
const CHI2_999_DF3 = 16.266;

/** Deterministic, random-looking document ids (a 32-bit LCG), so the test never changes between runs. */
function keys(count: number): string[] {
  const out: string[] = [];
  let state = 0x2545f491;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.push(`doc_${state.toString(16).padStart(8, '0')}_${i}`);
  }
  return out;
}

function chiSquare(observed: readonly number[], total: number): number {
  const expected = total / observed.length;
  return observed.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
}

describe('T3 spread', () => {
  it('spreads uniform keys evenly over buckets and writers', async () => {
    const total = 20_000;
    const { runner } = await openHarness({ parallelism: 4 });
    const all = keys(total).map((k) => record(k));
    for (let i = 0; i < all.length; i += 500) await runner.push(all.slice(i, i + 500));
    await runner.close();

    const m = runner.metrics();
    const perBucket = Array.from({ length: 128 }, (_, b) => m.buckets.find((x) => x.bucket === b)?.records ?? 0);
    const perWriter = m.writers.map((w) => w.records);
    expect(perBucket.reduce((a, b) => a + b, 0)).toBe(total);
    expect(perWriter.reduce((a, b) => a + b, 0)).toBe(total);

    const bucketChi = chiSquare(perBucket, total);
    const writerChi = chiSquare(perWriter, total);
    const bucketMaxOverMedian = Math.max(...perBucket) / median(perBucket);
    const writerMaxOverMedian = Math.max(...perWriter) / median(perWriter);
    console.log(
      `T3: buckets chi2=${bucketChi.toFixed(2)} (crit ${CHI2_999_DF127}) max/median=${bucketMaxOverMedian.toFixed(3)}; ` +
        `writers chi2=${writerChi.toFixed(2)} (crit ${CHI2_999_DF3}) max/median=${writerMaxOverMedian.toFixed(3)} ${JSON.stringify(perWriter)}`,
    );
    expect(bucketChi).toBeLessThan(CHI2_999_DF127);
    expect(writerChi).toBeLessThan(CHI2_999_DF3);
    expect(m.skew).toBeCloseTo(bucketMaxOverMedian, 10);
    expect(m.skew!).toBeLessThan(1.5);
    expect(m.bucketsWithTraffic).toBe(128);
  });
});
