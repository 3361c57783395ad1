import type { Hlc } from './hlc.ts';
import type { JsonValue } from './json.ts';

/**
 * The current state of `(dataset, collection, key)`. A deleted document stays as a tombstone
 * (`deleted: true`, `value: null`) so that an older put arriving late cannot resurrect it.
 */
export interface StoredDocument {
  readonly collection: string;
  readonly key: string;
  readonly value: JsonValue | null;
  /** Newest change folded into this state. */
  readonly hlc: Hlc;
  readonly deleted: boolean;
  /** Resolver-private state (e.g. per-field clocks of the JSON merge). Storage keeps it opaque. */
  readonly meta?: JsonValue | null;
}
