import { sha256 } from '@noble/hashes/sha2.js';
import { SluiceError } from '../../core/errors.ts';

import { assertBucketCount } from './bucket-count.ts';

export { MAX_BUCKETS, DEFAULT_BUCKETS, assertBucketCount } from './bucket-count.ts';

const encoder = new TextEncoder();

/**
 * The routing hash of a canonical key: the first 4 bytes of SHA-256 over its UTF-8, read as a
 * big-endian signed 32-bit integer. Value-based and identical in every runtime (never a seeded or
 * per-process hash), and the same scheme as the SeaTunnel source-side document router, so a bucket
 * computed here can be checked against theirs.
 */
export function hashInt32(key: string): number {
  const digest = sha256(encoder.encode(key));
  return new DataView(digest.buffer, digest.byteOffset, 4).getInt32(0, false);
}

/**
 * Floor modulo: JS `%` keeps the dividend's sign, so a negative hash would give a negative bucket.
 * `Math.abs` is not a fix either: |-2^31| does not fit in an int32 in other languages, and it folds
 * h and -h onto one bucket.
 */
export function floorMod(value: number, n: number): number {
  return ((value % n) + n) % n;
}

export function bucketOfHash(hash: number, buckets: number): number {
  assertBucketCount(buckets);
  return floorMod(hash, buckets);
}

/** Bucket of a canonical routing key (see `routingKey`). */
export function bucketOf(key: string, buckets: number): number {
  return bucketOfHash(hashInt32(key), buckets);
}

/**
 * Writers own contiguous bucket ranges (bucket b → floor(b·writers / buckets)), as Flink key groups
 * do: with more buckets than writers a parallelism change moves whole ranges, never splits a bucket.
 */
export function writerOfBucket(bucket: number, buckets: number, writers: number): number {
  assertBucketCount(buckets);
  if (!Number.isInteger(writers) || writers < 1 || writers > buckets) {
    throw new SluiceError('invalid_options', `Writer count ${writers} must be an integer from 1 to the bucket count (${buckets}).`, { writers, buckets });
  }
  if (!Number.isInteger(bucket) || bucket < 0 || bucket >= buckets) {
    throw new SluiceError('invalid_options', `Bucket ${bucket} is outside 0..${buckets - 1}.`, { bucket, buckets });
  }
  return Math.floor((bucket * writers) / buckets);
}
