import type { DeadLetter } from './dead-letters.ts';
import type { HeavyHitter } from './space-saving.ts';
import type { LaneCounters } from './writer-lane.ts';

export type { HeavyHitter } from './space-saving.ts';

/**
 * Per writer. `records`/`bytes`/`batches` count what `write()` completed; `bytes` is the length of
 * each record's JSON text. `queueDepth` is records admitted and not yet written (in-flight batch
 * included); `credits` = capacity − queueDepth. `blockedMs` is the time the source waited for this
 * writer's credit; `busyMs` the time spent inside the writer; `idleMs` the rest since open.
 */
export interface WriterMetrics extends LaneCounters {
  readonly writer: number;
  readonly capacity: number;
}

/** Per bucket with traffic: records and bytes routed to it (counted when routed, not when written). */
export interface BucketMetrics {
  readonly bucket: number;
  readonly writer: number;
  readonly records: number;
  readonly bytes: number;
}

export interface SinkMetrics {
  readonly name: string;
  readonly strategy: 'none' | 'hash';
  readonly bucketCount: number;
  readonly writers: WriterMetrics[];
  /** Only buckets that received records, by bucket number. */
  readonly buckets: BucketMetrics[];
  readonly bucketsWithTraffic: number;
  /**
   * Largest bucket's records ÷ median records of the buckets with traffic; null before any traffic.
   * Empty buckets are left out because with few keys most of 128 buckets are empty and the median
   * would be 0; read it with `bucketsWithTraffic` (all traffic in one bucket reads as skew 1 of 1).
   * Around 5 is where Spark starts treating a partition as skewed.
   */
  readonly skew: number | null;
  /** Heaviest routing keys (space-saving sketch: counts are upper bounds). Empty for `none`. */
  readonly topKeys: HeavyHitter[];
  /** Records accepted by push(), dead letters included. */
  readonly pushed: number;
  readonly deadLettered: number;
  /** The newest dead letters, up to the configured limit. */
  readonly deadLetters: DeadLetter[];
  /** Last barrier id handed out, whether or not it became durable. */
  readonly lastBarrier: number;
  readonly durableBarrier: number | undefined;
  /** Time between the first and the last writer acknowledging the last completed barrier. */
  readonly lastBarrierAlignmentMs: number | undefined;
  readonly failed: boolean;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function skewOf(bucketRecords: readonly number[]): number | null {
  const traffic = bucketRecords.filter((n) => n > 0);
  if (traffic.length === 0) return null;
  return Math.max(...traffic) / median(traffic);
}
