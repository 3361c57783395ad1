import { sha256 } from '@noble/hashes/sha2.js';
import type { DatasetId } from '../core/dataset-id.ts';

export interface AuthOptions {
  /** Shared token every peer must present. Unset: no token check. */
  readonly token?: string;
  /** Per-dataset grant: return false to refuse `datasetId` to this peer. */
  readonly authorize?: (nodeId: string, token: string, datasetId: DatasetId) => boolean | Promise<boolean>;
}

const encoder = new TextEncoder();

/**
 * Compares tokens in time independent of where they differ: both sides are hashed to 32 bytes
 * first, so neither the content nor the length of the expected token leaks through timing.
 */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = sha256(encoder.encode(presented));
  const b = sha256(encoder.encode(expected));
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
