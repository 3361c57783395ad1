import { isSluiceError } from '../../core/errors.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { RoutingKeyFn } from './routing-key.ts';
import type { SinkRecord } from './sink-api.ts';
import type { BucketMetrics } from './sink-metrics.ts';
import { SpaceSaving, type HeavyHitter } from './space-saving.ts';
import { floorMod, hashInt32, writerOfBucket } from './stable-hash.ts';

/** One writer's part of a push, in push order, with each record's JSON length. */
export interface Share {
  readonly records: SinkRecord[];
  readonly sizes: number[];
}

/**
 * Routing at the source: each record goes to exactly one writer, chosen from its canonical key
 * (key → bucket → writer), before anything is queued. Shares keep push order, so per-key order
 * holds. A record whose key cannot be resolved becomes a dead letter here and never reaches a
 * writer. Without a key function (`none`) everything goes to writer 0 untouched.
 */
export class PartitionRouter {
  private readonly bucketWriter: Uint32Array;
  private readonly bucketRecords: Float64Array;
  private readonly bucketBytes: Float64Array;
  private readonly sketch: SpaceSaving;
  private routed = 0;

  constructor(
    private readonly writers: number,
    private readonly buckets: number,
    private readonly keyOf: RoutingKeyFn | undefined,
    private readonly deadLetters: DeadLetters,
    topKeys: number,
  ) {
    this.bucketWriter = new Uint32Array(buckets);
    for (let b = 0; b < buckets; b++) this.bucketWriter[b] = writerOfBucket(b, buckets, writers);
    this.bucketRecords = new Float64Array(buckets);
    this.bucketBytes = new Float64Array(buckets);
    this.sketch = new SpaceSaving(topKeys);
  }

  route(records: readonly SinkRecord[]): Share[] {
    const shares: Share[] = Array.from({ length: this.writers }, () => ({ records: [], sizes: [] }));
    this.routed += records.length;
    for (const record of records) {
      let bucket = 0;
      if (this.keyOf) {
        let key: string;
        try {
          key = this.keyOf(record);
        } catch (error) {
          this.deadLetter(record, error);
          continue;
        }
        bucket = floorMod(hashInt32(key), this.buckets);
        this.sketch.add(key);
      }
      const size = jsonLength(record);
      const share = shares[this.bucketWriter[bucket]!]!;
      share.records.push(record);
      share.sizes.push(size);
      this.bucketRecords[bucket]! += 1;
      this.bucketBytes[bucket]! += size;
    }
    return shares;
  }

  get pushed(): number {
    return this.routed;
  }

  bucketCounts(): number[] {
    return Array.from(this.bucketRecords);
  }

  bucketMetrics(): BucketMetrics[] {
    const out: BucketMetrics[] = [];
    for (let b = 0; b < this.buckets; b++) {
      if (this.bucketRecords[b]! > 0) out.push({ bucket: b, writer: this.bucketWriter[b]!, records: this.bucketRecords[b]!, bytes: this.bucketBytes[b]! });
    }
    return out;
  }

  topKeys(): HeavyHitter[] {
    return this.sketch.top();
  }

  private deadLetter(record: SinkRecord, error: unknown): void {
    const details = isSluiceError(error) ? error.details : undefined;
    this.deadLetters.add({
      record,
      field: typeof details?.field === 'string' ? details.field : '?',
      reason: typeof details?.reason === 'string' ? details.reason : String((error as Error)?.message ?? error),
    });
  }
}

/** A metric, not a validation: a record JSON cannot carry still goes to the writer, counted as 0 bytes. */
function jsonLength(record: SinkRecord): number {
  try {
    return JSON.stringify(record)?.length ?? 0;
  } catch {
    return 0;
  }
}
