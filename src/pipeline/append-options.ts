import { MAX_TIMER_MS } from '../core/dataset-options.ts';
import { SluiceError } from '../core/errors.ts';

/**
 * What `append()` does when the in-memory buffer is full. The exact semantics live with
 * `AppendBuffer` (see the comment at the top of append-buffer.ts).
 */
export type OverflowPolicy = 'block' | 'drop-oldest' | 'drop-newest' | 'spill';

export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['block', 'drop-oldest', 'drop-newest', 'spill'];

export interface AppendBufferOptions {
  /** In-memory bound on buffered records (not counting batches in flight). Default 50 000. */
  maxRecords?: number;
  /** In-memory bound on the UTF-8 bytes of buffered records' JSON. Default 16 MiB. */
  maxBytes?: number;
  /** A flush starts once this many records are buffered, and batches hold at most this many. Default 2 000. */
  flushRecords?: number;
  /** A flush starts once this many bytes are buffered, and a batch's encoded bytes never exceed it. Default 512 KiB. */
  flushBytes?: number;
  /** Whatever is buffered is flushed at least this often, in ms: 1 to 2147483647. Default 200. */
  flushIntervalMs?: number;
  /** Default 'drop-oldest': telemetry prefers fresh records to stale ones. */
  policy?: OverflowPolicy;
  /** Batches handed to `sink.ingest` and not yet settled. Default 2. */
  maxInFlight?: number;
}

export type ResolvedAppendOptions = Readonly<Required<AppendBufferOptions>>;

/**
 * A batch becomes one oplog entry, and the store refuses payloads over 1 MiB by default. The
 * batch bound stays below it so a batch never bounces off the store after it was cut.
 */
export const MAX_FLUSH_BYTES = 1024 * 1024;
/** Small enough for tests, large enough to hold `[{}]` and a few fields. */
export const MIN_FLUSH_BYTES = 16;

export const APPEND_BUFFER_DEFAULTS: ResolvedAppendOptions = {
  maxRecords: 50_000,
  maxBytes: 16 * 1024 * 1024,
  flushRecords: 2_000,
  flushBytes: 512 * 1024,
  flushIntervalMs: 200,
  policy: 'drop-oldest',
  maxInFlight: 2,
};

const KNOWN = new Set(Object.keys(APPEND_BUFFER_DEFAULTS));

/**
 * Validates options from code or from plain JSON config. Errors carry `details.field` and name it
 * in the message, so a bad config points at its own line.
 */
export function resolveAppendOptions(input: unknown): ResolvedAppendOptions {
  if (input === undefined) return APPEND_BUFFER_DEFAULTS;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('options', 'must be an object like { maxRecords: 50000, policy: "drop-oldest" }');
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN.has(key)) throw invalid(key, `is not an append buffer option (known: ${[...KNOWN].join(', ')})`);
  }
  const d = APPEND_BUFFER_DEFAULTS;
  const maxRecords = positiveInt(raw.maxRecords ?? d.maxRecords, 'maxRecords');
  const maxBytes = positiveInt(raw.maxBytes ?? d.maxBytes, 'maxBytes');
  const flushRecords = positiveInt(raw.flushRecords ?? Math.min(d.flushRecords, maxRecords), 'flushRecords');
  const flushBytes = positiveInt(raw.flushBytes ?? Math.min(d.flushBytes, maxBytes), 'flushBytes');
  const flushIntervalMs = positiveInt(raw.flushIntervalMs ?? d.flushIntervalMs, 'flushIntervalMs');
  if (flushIntervalMs > MAX_TIMER_MS) throw invalid('flushIntervalMs', `must be at most ${MAX_TIMER_MS} ms (about 24.8 days: a longer timer would fire at once), got ${flushIntervalMs}`);
  const maxInFlight = positiveInt(raw.maxInFlight ?? d.maxInFlight, 'maxInFlight');
  const policy = raw.policy ?? d.policy;
  if (!OVERFLOW_POLICIES.includes(policy as OverflowPolicy)) {
    throw invalid('policy', `must be one of ${OVERFLOW_POLICIES.map((p) => `"${p}"`).join(', ')}, got ${JSON.stringify(policy)}`);
  }
  if (flushRecords > maxRecords) throw invalid('flushRecords', `(${flushRecords}) must not exceed maxRecords (${maxRecords}), or a full batch could never form`);
  if (flushBytes < MIN_FLUSH_BYTES || flushBytes > MAX_FLUSH_BYTES) {
    throw invalid('flushBytes', `must be between ${MIN_FLUSH_BYTES} and ${MAX_FLUSH_BYTES} (a batch is one oplog payload, limited to 1 MiB), got ${flushBytes}`);
  }
  if (flushBytes > maxBytes) throw invalid('flushBytes', `(${flushBytes}) must not exceed maxBytes (${maxBytes}), or a full batch could never form`);
  return { maxRecords, maxBytes, flushRecords, flushBytes, flushIntervalMs, policy: policy as OverflowPolicy, maxInFlight };
}

function positiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalid(field, `must be a positive integer, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

function invalid(field: string, problem: string): SluiceError {
  return new SluiceError('invalid_options', `Append buffer option ${field} ${problem}.`, { field });
}
