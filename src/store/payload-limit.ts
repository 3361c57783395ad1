import { SluiceError } from '../core/errors.ts';
import type { StorageLimits } from './storage-adapter.ts';

/* The payload limit an adapter enforces: its own module, so a page that only names its storage needs nothing else of the store's checks. */

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

export function resolveMaxPayloadBytes(limits: StorageLimits | undefined): number {
  const max = limits?.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (!Number.isInteger(max) || max <= 0) {
    throw new SluiceError('invalid_options', `maxPayloadBytes must be a positive integer, got ${String(max)}.`);
  }
  return max;
}

