import { SluiceError } from '../../core/errors.ts';

/* Bucket counts, checked where a sink is configured, apart from the hash itself (stable-hash.ts) so that checking a config needs no SHA-256. */

/** Largest virtual bucket count: keeps the bucket → writer table and per-bucket metrics small. */
export const MAX_BUCKETS = 65_536;
export const DEFAULT_BUCKETS = 128;

export function assertBucketCount(buckets: number): void {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
    throw new SluiceError('invalid_options', `Bucket count ${buckets} must be an integer from 1 to ${MAX_BUCKETS} (default ${DEFAULT_BUCKETS}).`, {
      field: 'partition.buckets',
      buckets,
    });
  }
}
