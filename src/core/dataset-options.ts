import { assertDatasetId, type DatasetId } from './dataset-id.ts';
import { SluiceError } from './errors.ts';
import { preview } from './option-checks.ts';

export type DatasetKind = 'documents' | 'append';

/**
 * Which way a node dials data for a dataset: 'both' pulls and pushes; 'push' only uploads (a
 * telemetry client never downloads other clients' records); 'pull' only downloads (a read replica).
 * Hubs keep everything they are given, whatever their clients' direction.
 */
export type SyncDirection = 'both' | 'push' | 'pull';

/**
 * How the operating system should schedule a dataset's worker thread against the node's other
 * threads. 'background' asks it to run the worker only when normal threads leave a core free
 * (Linux: the thread's nice value goes to 10), so a telemetry flood waits behind primary instead of
 * taking turns with it. Best effort: a runtime or platform that cannot set a thread's priority (a
 * browser, macOS, Windows) runs the worker at normal priority. Ignored for a dataset not in a worker.
 */
export type DatasetPriority = 'normal' | 'background';

export interface RetentionOptions {
  /** Oplog entries older than this may be pruned (once peers have confirmed them). */
  readonly maxAgeMs: number;
  /** Optional size cap on the dataset's oplog; the oldest entries go first. */
  readonly maxBytes?: number;
}

/** Per-dataset knobs. Everything has a default; see `resolveDatasetOptions`. */
export interface DatasetOptions {
  /** 'documents': keyed documents with conflict resolution. 'append': immutable records (logs, timeseries). */
  readonly kind: DatasetKind;
  /**
   * Longest pause between sync rounds, in ms: 1 to 2147483647 (the longest timer). Anti-entropy
   * only: local writes sync at once and hubs announce their commits. Default 30 s.
   */
  readonly syncInterval: number;
  /** Default 'both' for documents, 'push' for append datasets (see SyncDirection). */
  readonly direction: SyncDirection;
  /** Default 'normal' for documents, 'background' for append datasets (see DatasetPriority). */
  readonly priority: DatasetPriority;
  /** Peers synced with in one round. */
  readonly maxPeers: number;
  /** Upper bound on entries moved in one pull or push batch. */
  readonly maxEntriesPerCycle: number;
  /** Upper bound on bytes moved in one pull or push batch. */
  readonly maxBytesPerCycle: number;
  /** Pause between maintenance runs (pruning, health), in ms: 1 to 2147483647 (the longest timer). */
  readonly maintenanceInterval: number;
  readonly retention: RetentionOptions;
  /** Staged rollout: a disabled dataset is configured but not started. */
  readonly enabled: boolean;
  /**
   * Run the pipeline in its own worker. Default: true for append datasets, false for documents.
   * A function starts the app's own worker file instead of the default one, e.g.
   * `() => new Worker(new URL('./logs.worker.ts', import.meta.url), { type: 'module' })`; that file
   * calls serveDatasetWorker() from sluice/worker.
   */
  readonly worker: boolean | DatasetWorkerFactory;
}

/** Starts a worker running serveDatasetWorker(): a Web Worker, or a worker_threads Worker on Node. */
export type DatasetWorkerFactory = () => object;

const HOUR = 60 * 60 * 1000;

const DOCUMENT_DEFAULTS: DatasetOptions = {
  kind: 'documents',
  // Anti-entropy only: hubs announce their commits, and local writes sync at once.
  syncInterval: 30_000,
  direction: 'both',
  priority: 'normal',
  maxPeers: 3,
  maxEntriesPerCycle: 1_000,
  maxBytesPerCycle: 1024 * 1024,
  maintenanceInterval: HOUR,
  retention: { maxAgeMs: 24 * HOUR },
  enabled: true,
  worker: false,
};

/** Append datasets move bigger batches less often and keep less history. */
const APPEND_DEFAULTS: DatasetOptions = {
  ...DOCUMENT_DEFAULTS,
  kind: 'append',
  // Telemetry flows up: a client never downloads what other clients recorded.
  direction: 'push',
  // Telemetry yields the cores to primary under load; it catches up when they are free.
  priority: 'background',
  maxEntriesPerCycle: 5_000,
  maxBytesPerCycle: 4 * 1024 * 1024,
  maintenanceInterval: 5 * 60 * 1000,
  retention: { maxAgeMs: 6 * HOUR },
  worker: true,
};

export function datasetDefaults(kind: DatasetKind): DatasetOptions {
  return kind === 'append' ? APPEND_DEFAULTS : DOCUMENT_DEFAULTS;
}

/**
 * Validates options from code or from plain JSON config. Errors name the field, e.g.
 * `datasets.logs.syncInterval`, so a bad config file points at its own line.
 */
export function resolveDatasetOptions(datasetId: DatasetId, input: unknown = {}, at = `datasets.${datasetId}`): DatasetOptions {
  assertDatasetId(datasetId);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(at, 'must be an object');
  }
  const raw = input as Record<string, unknown>;
  const known = new Set([...Object.keys(DOCUMENT_DEFAULTS)]);
  if ('collections' in raw) {
    // It was accepted once and never applied: a hub sent every collection all the same.
    throw invalid(
      `${at}.collections`,
      'is not an option any more: a dataset syncs every collection written to it, since its hash chains run per author across collections. Put collections that must sync apart (or reach other clients) in a dataset of their own',
    );
  }
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw invalid(`${at}.${key}`, `is not a dataset option (known: ${[...known].join(', ')})`);
  }
  const kind = raw.kind ?? 'documents';
  if (kind !== 'documents' && kind !== 'append') throw invalid(`${at}.kind`, 'must be "documents" or "append"');
  const d = datasetDefaults(kind);
  const retentionRaw = raw.retention ?? d.retention;
  if (typeof retentionRaw !== 'object' || retentionRaw === null) throw invalid(`${at}.retention`, 'must be an object like { "maxAgeMs": 86400000 }');
  const r = retentionRaw as Record<string, unknown>;
  const retention: RetentionOptions = {
    maxAgeMs: positiveInt(r.maxAgeMs ?? d.retention.maxAgeMs, `${at}.retention.maxAgeMs`),
    ...(r.maxBytes === undefined ? {} : { maxBytes: positiveInt(r.maxBytes, `${at}.retention.maxBytes`) }),
  };
  const enabled = raw.enabled ?? d.enabled;
  if (typeof enabled !== 'boolean') throw invalid(`${at}.enabled`, 'must be true or false');
  const direction = raw.direction ?? d.direction;
  if (direction !== 'both' && direction !== 'push' && direction !== 'pull') throw invalid(`${at}.direction`, `must be "both", "push" or "pull", got ${preview(direction)}`);
  const priority = raw.priority ?? d.priority;
  if (priority !== 'normal' && priority !== 'background') throw invalid(`${at}.priority`, `must be "normal" or "background", got ${preview(priority)}`);
  const worker = raw.worker ?? d.worker;
  if (typeof worker !== 'boolean' && typeof worker !== 'function') throw invalid(`${at}.worker`, 'must be true, false or a function that starts your worker file');
  return {
    kind,
    syncInterval: positiveInt(raw.syncInterval ?? d.syncInterval, `${at}.syncInterval`, MAX_TIMER_MS),
    direction,
    priority,
    maxPeers: positiveInt(raw.maxPeers ?? d.maxPeers, `${at}.maxPeers`),
    maxEntriesPerCycle: positiveInt(raw.maxEntriesPerCycle ?? d.maxEntriesPerCycle, `${at}.maxEntriesPerCycle`),
    maxBytesPerCycle: positiveInt(raw.maxBytesPerCycle ?? d.maxBytesPerCycle, `${at}.maxBytesPerCycle`),
    maintenanceInterval: positiveInt(raw.maintenanceInterval ?? d.maintenanceInterval, `${at}.maintenanceInterval`, MAX_TIMER_MS),
    retention,
    enabled,
    worker: worker as boolean | DatasetWorkerFactory,
  };
}

/** The longest delay setTimeout and setInterval honour (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

function positiveInt(value: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalid(field, `must be a positive integer, got ${preview(value)}`);
  }
  if (value > max) throw invalid(field, `must be at most ${max} ms (about 24.8 days: a longer timer would fire at once), got ${value}`);
  return value;
}

function invalid(field: string, problem: string): SluiceError {
  return new SluiceError('invalid_options', `${field} ${problem}.`, { field });
}
