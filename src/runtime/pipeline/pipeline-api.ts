import type { DatasetId } from '../../core/dataset-id.ts';
import type { IngestOutcome } from '../../pipeline/append-buffer.ts';
import type { RecordBatch } from '../../pipeline/record-batch.ts';
import type { DatasetOptions } from '../../core/dataset-options.ts';
import { assertHlc, type Hlc } from '../../core/hlc.ts';
import { optionalInteger } from '../../core/option-checks.ts';
import type { JsonValue } from '../../core/json.ts';
import type { PeerStatus, RoundReport } from '../../sync/dataset-orchestrator.ts';
import type { DatasetHealth } from '../../sync/health.ts';
import type { SinkMetrics } from '../../pipeline/sinks/sink-metrics.ts';
import type { SinkFeederStats } from './sink-feeder.ts';
import type { LagSnapshot } from '../../sync/lag-tracker.ts';
import type { MaintenanceReport } from '../../sync/maintenance.ts';
import type { DatasetMetrics } from '../../sync/metrics.ts';
import type { LocalOp } from '../../sync/replica.ts';
import type { NormalizedQuery } from '../../store/query/query-spec.ts';
import type { QueryExplanation } from '../../store/query/plan.ts';
import type { DatasetSnapshot, SnapshotImportMode } from '../../store/snapshot-store.ts';

export interface DocumentChange {
  readonly collection: string;
  readonly key: string;
  /** The document after the change; undefined when it was deleted. */
  readonly value: JsonValue | undefined;
  readonly origin: 'local' | 'remote' | 'snapshot';
}

export type PeerOp = 'track' | 'untrack' | 'activate' | 'deactivate';

export interface RecordPage {
  readonly records: unknown[];
  /** Pass back as `after` for the next page; null when there is nothing more. */
  readonly next: Hlc | null;
}

/** Most batches (oplog entries) one `records()` page reads; larger limits are clamped to it. */
export const MAX_RECORDS_PAGE = 10_000;

/**
 * Checks the arguments of `dataset(id).records(after, limit)` where it is called, in-process or
 * before the call crosses to a worker: `after` is null or a page's `next` (`invalid_timestamp`),
 * `limit` a whole number of at least 1 (`invalid_options`); both errors name the argument in
 * `details.field`.
 */
export function assertRecordsQuery(after: unknown, limit: unknown): void {
  if (after !== null) assertHlc(after, 'after');
  optionalInteger(limit, 'limit', { min: 1, max: Number.MAX_SAFE_INTEGER, fix: `pass how many batches to read (at most ${MAX_RECORDS_PAGE} are read at once)` });
}

export interface PipelineStatus extends DatasetMetrics {
  readonly datasetId: DatasetId;
  readonly kind: DatasetOptions['kind'];
  readonly peers: PeerStatus[];
  readonly oplogEntries: number;
  readonly lag: LagSnapshot;
  readonly health: DatasetHealth;
  readonly sinks: readonly (SinkFeederStats & { routing: SinkMetrics | null })[];
}

/**
 * Everything the node facade asks of one dataset's pipeline. Every method is async and every
 * argument and result is plain data, so the same interface works in-process and through a Comlink
 * proxy to a worker.
 */
export interface PipelineApi {
  write(ops: LocalOp[]): Promise<void>;
  /** One batch cut by the node's append buffer: the records themselves, encoded by the pipeline. */
  ingest(batch: RecordBatch, collection: string): Promise<IngestOutcome>;
  get(collection: string, key: string): Promise<JsonValue | undefined>;
  list(collection: string): Promise<{ key: string; value: JsonValue }[]>;
  /** Declares a collection's query indexes (field lists, as normalizeIndexes gives them). */
  declareIndexes(collection: string, indexes: string[][]): Promise<void>;
  /** A checked query (normalizeQuery) over the collection's live documents. */
  query(collection: string, query: NormalizedQuery): Promise<{ key: string; value: JsonValue }[]>;
  explain(collection: string, query: NormalizedQuery): Promise<QueryExplanation>;
  readRecords(after: Hlc | null, limit: number): Promise<RecordPage>;
  syncNow(): Promise<RoundReport>;
  /** Runs pruning now (it also runs every maintenanceInterval). */
  maintainNow(): Promise<MaintenanceReport>;
  status(): Promise<PipelineStatus>;
  /** Peer tracking for pruning: track, untrack (forget, watermarks too), activate, deactivate. */
  managePeer(op: PeerOp, peerId: string): Promise<boolean>;
  /** Resolves when every sink has been fed and checkpointed all changes applied so far. */
  drainSinks(): Promise<void>;
  exportSnapshot(): Promise<DatasetSnapshot>;
  /** merge folds documents through the collection resolvers; replace drops this dataset first. */
  importSnapshot(snapshot: DatasetSnapshot, mode: SnapshotImportMode): Promise<void>;
  setChangeListener(listener: ((changes: DocumentChange[]) => void) | null): Promise<void>;
  /** Hears a peer refuse this dataset to this node (see DatasetRevoked). */
  setRevokedListener(listener: ((event: DatasetRevoked) => void) | null): Promise<void>;
  close(): Promise<void>;
}

/**
 * A peer refused this dataset to this node: it closed the connection because the grant was revoked
 * (4403), or a handshake did not grant it. Heard once per refusal after the dataset was last granted
 * (or since the node started): the grant was taken back, or never held.
 */
export interface DatasetRevoked {
  readonly datasetId: string;
  /** The peer that refused it. */
  readonly url: string;
  /** What the peer said. */
  readonly reason: string;
  /**
   * 'revoked': the peer says the grant was taken back (a revocation closed the connection, or the
   * handshake refused a token issued before one). 'not-granted': it does not grant the dataset,
   * without saying why (never granted, a hub that does not serve it, a misconfiguration).
   */
  readonly cause: 'revoked' | 'not-granted';
}
