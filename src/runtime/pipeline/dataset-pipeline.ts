import type { NormalizedQuery } from '../../store/query/query-spec.ts';
import type { QueryExplanation } from '../../store/query/plan.ts';
import { DocumentQueries } from './document-queries.ts';
import type { DatasetId } from '../../core/dataset-id.ts';
import type { DatasetOptions } from '../../core/dataset-options.ts';
import { SluiceError } from '../../core/errors.ts';
import { HybridClock, type Hlc } from '../../core/hlc.ts';
import type { JsonValue } from '../../core/json.ts';
import { assertCollection, assertKey } from '../../core/names.ts';
import { ResolverRegistry, type ResolverSpec } from '../../core/resolvers/registry.ts';
import { FrameCodec } from '../../protocol/frame-codec.ts';
import type { Connector, Transport } from '../../protocol/transport.ts';
import { Connection, DEFAULT_HEARTBEAT_MS } from '../../sync/connection.ts';
import { Responder } from '../../sync/responder.ts';
import type { SinkConfig } from '../../pipeline/sinks/sink-api.ts';
import type { DatasetSnapshot, SnapshotImportMode } from '../../store/snapshot-store.ts';
import { SinkFeeder } from './sink-feeder.ts';
import { AppendIngest } from './append-ingest.ts';
import type { IngestOutcome } from '../../pipeline/append-buffer.ts';
import type { RecordBatch } from '../../pipeline/record-batch.ts';
import type { DatasetStore, StorageAdapter } from '../../store/storage-adapter.ts';
import { parseSnapshot } from '../../store/validation.ts';
import type { PeerIdentity } from '../../sync/peer-identity.ts';
import { DatasetOrchestrator, type RoundReport } from '../../sync/dataset-orchestrator.ts';
import type { DatasetRuntime } from '../../sync/dataset-runtime.ts';
import { datasetHealth } from '../../sync/health.ts';
import { withUnackedAge } from '../../sync/live-health.ts';
import { LagTracker } from '../../sync/lag-tracker.ts';
import { activatePeer, deactivatePeer, registerPeer, removePeer, runMaintenance, type MaintenanceReport } from '../../sync/maintenance.ts';
import { newDatasetMetrics } from '../../sync/metrics.ts';
import { DatasetReplica, type LocalOp } from '../../sync/replica.ts';
import { signOwnHead } from '../../sync/signatures.ts';
import { HeadsAnnouncer } from '../../sync/heads-announcer.ts';
import { watchForeignCommits, type ForeignCommit } from '../../sync/foreign-commits.ts';
import type { ResponderContext } from '../../sync/responder.ts';
import { assertRecordsQuery, MAX_RECORDS_PAGE, type DatasetRevoked, type DocumentChange, type PeerOp, type PipelineApi, type PipelineStatus, type RecordPage } from './pipeline-api.ts';

export interface PipelineSettings {
  readonly nodeId: string;
  readonly datasetId: DatasetId;
  readonly options: DatasetOptions;
  readonly resolvers: Record<string, ResolverSpec>;
  readonly maxFrameBytes: number;
  readonly maxClockDriftMs?: number;
  readonly heartbeatMs?: number;
  readonly requestTimeoutMs?: number;
  /** Sign this node's batches and require signatures on remote ones (default true). */
  readonly signing?: boolean;
  /** In-process only: sink writers are functions. */
  readonly sinks?: readonly SinkConfig[];
  /**
   * 'timer' (default): pruning runs every maintenanceInterval on a timer of its own. 'host': the
   * host calls maintainNow() on its own schedule; an edge hub does, from the platform's alarm,
   * since a pending timer would keep it from hibernating.
   */
  readonly maintenance?: 'timer' | 'host';
}

/**
 * One dataset's whole pipeline: replica, sync loop, append ingest, lag and counters. It owns
 * nothing another dataset uses, so it runs the same in the node's thread or alone in a worker.
 */
/** How an acceptor says a grant was taken back: in its 4403 close, or its handshake's refusal. */
const REVOKED = /^dataset_not_granted: revoked\b| was revoked for /;

export class DatasetPipeline implements PipelineApi {
  readonly runtime: DatasetRuntime;
  private readonly orchestrator: DatasetOrchestrator;
  private listener: ((changes: DocumentChange[]) => void) | null = null;
  private revokedListener: ((event: DatasetRevoked) => void) | null = null;
  private closed = false;
  /** This dataset's store: the pipeline never reaches another dataset's rows. */
  private readonly store: DatasetStore;
  private unwatch: (() => Promise<void>) | undefined;
  private readonly served = new Set<Connection>();
  private maintenanceTimer: ReturnType<typeof setInterval> | undefined;
  private readonly feeders: SinkFeeder[] = [];
  private maintaining: Promise<MaintenanceReport> | undefined;
  private readonly ctx: ResponderContext;
  private readonly announcer: HeadsAnnouncer;
  private readonly appendIngest: AppendIngest;
  private readonly queries: DocumentQueries;

  constructor(
    readonly settings: PipelineSettings,
    private readonly storage: StorageAdapter,
    connectors: readonly Connector[],
  ) {
    const { nodeId, datasetId, options } = settings;
    const replica = new DatasetReplica({
      datasetId,
      storage,
      kind: options.kind,
      // Each dataset has its own clock state, like every other piece of sync state.
      clock: new HybridClock(nodeId, settings.maxClockDriftMs === undefined ? {} : { maxClockDriftMs: settings.maxClockDriftMs }),
      resolvers: new ResolverRegistry(settings.resolvers),
      signing: settings.signing ?? true,
    });
    const lag = new LagTracker(nodeId);
    this.runtime = { datasetId, options, replica, metrics: newDatasetMetrics(), maxFrameBytes: settings.maxFrameBytes, lag };
    const ctx: ResponderContext = { nodeId, datasets: new Map([[datasetId, this.runtime]]) };
    this.ctx = ctx;
    this.orchestrator = new DatasetOrchestrator(this.runtime, ctx, connectors, {
      maxFrameBytes: settings.maxFrameBytes,
      onRevoked: (url, reason) => this.revokedListener?.({ datasetId, url, reason, cause: REVOKED.test(reason) ? 'revoked' : 'not-granted' }),
      ...(settings.heartbeatMs === undefined ? {} : { heartbeatMs: settings.heartbeatMs }),
      ...(settings.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: settings.requestTimeoutMs }),
    });
    this.store = storage.open(datasetId);
    this.queries = new DocumentQueries(this.store.documents, datasetId);
    this.appendIngest = new AppendIngest(replica, this.store.oplog, replica.maxPayloadBytes);
    this.announcer = new HeadsAnnouncer(datasetId, () => this.served, settings.maxFrameBytes, () => replica.signer);
    replica.subscribe((event) => {
      for (const feeder of this.feeders) feeder.wake();
      if (event.origin === 'local') {
        lag.wrote(event.entries.map((e) => e.hlc));
      } else if (event.origin === 'remote') {
        lag.applied(event.entries.map((e) => e.hlc.wall));
      }
      // Our hubs lack what was written here or pushed to us; what we pulled from one, only the others lack.
      if (event.origin === 'local') this.orchestrator.notifyLocalWrite();
      else if (event.via === 'accepted' || (event.via === 'dialed' && connectors.length > 1)) this.orchestrator.notifyRemoteCommit();
      // Every peer that dialed us hears of every commit; the one that pushed it ignores the poke.
      if (event.entries.length > 0) this.announcer.committed(event.entries);
      const listener = this.listener;
      if (listener && event.documents.length > 0) {
        listener(event.documents.map((d) => ({ collection: d.collection, key: d.key, value: d.deleted ? undefined : (d.value as JsonValue), origin: event.origin })));
      }
    });
  }

  /** Another writer of our storage committed: push it to our live connections and tell subscribers. */
  private foreignCommit(commit: ForeignCommit): void {
    if (this.closed) return;
    for (const feeder of this.feeders) feeder.wake();
    if (commit.entries.length > 0) this.announcer.committed(commit.entries);
    else this.announcer.advanced(commit.heads);
    const listener = this.listener;
    if (listener && commit.documents.length > 0) {
      listener(commit.documents.map((d) => ({ collection: d.collection, key: d.key, value: d.deleted ? undefined : (d.value as JsonValue), origin: 'remote' })));
    }
  }

  get datasetId(): DatasetId {
    return this.settings.datasetId;
  }

  /** Opens the replica from storage, then starts the sync loop. */
  async start(): Promise<void> {
    await this.runtime.replica.open();
    // Over storage that other hubs write too, their commits reach our live connections as ours do.
    this.unwatch = await watchForeignCommits(this.store, this.storage.describe?.()?.sharedWriters === true, this.runtime.options.kind !== 'append', (commit) => this.foreignCommit(commit));
    for (const sink of this.settings.sinks ?? []) {
      const feeder = new SinkFeeder(sink, this.store, this.runtime.options.kind);
      await feeder.start();
      this.feeders.push(feeder);
    }
    this.orchestrator.start();
    if (this.settings.maintenance === 'host') return;
    this.maintenanceTimer = setInterval(() => void this.maintainNow().catch(() => undefined), this.runtime.options.maintenanceInterval);
    (this.maintenanceTimer as { unref?: () => void }).unref?.();
  }

  /** Prunes this dataset only, up to min(retention, oldest confirmation of active peers). */
  maintainNow(): Promise<MaintenanceReport> {
    this.assertOpen();
    // One run at a time: a slow prune must not pile up behind the timer.
    this.maintaining ??= runMaintenance({ datasetId: this.datasetId, options: this.runtime.options, storage: this.store })
      .then((report) => {
        const m = this.runtime.metrics;
        m.maintenanceRuns++;
        m.entriesPruned += report.pruned;
        m.lastMaintenance = { at: Date.now(), pruned: report.pruned, reason: report.reason };
        return report;
      })
      .catch((error: unknown) => {
        this.runtime.metrics.errors++;
        this.runtime.metrics.lastError = { code: (error as { code?: string })?.code ?? 'maintenance_failed', message: (error as Error)?.message ?? String(error), at: Date.now() };
        throw error;
      })
      .finally(() => (this.maintaining = undefined));
    return this.maintaining;
  }

  async write(ops: LocalOp[]): Promise<void> {
    this.assertOpen();
    await this.runtime.replica.write(ops);
  }

  async ingest(batch: RecordBatch, collection: string): Promise<IngestOutcome> {
    this.assertOpen();
    if (this.runtime.options.kind !== 'append') {
      throw new SluiceError('invalid_options', `Dataset "${this.datasetId}" is a documents dataset: append() is for append datasets (configure { kind: 'append' }).`);
    }
    return this.appendIngest.store(assertCollection(collection), batch);
  }

  async get(collection: string, key: string): Promise<JsonValue | undefined> {
    const doc = await this.store.documents.get(assertCollection(collection), assertKey(key));
    return doc === undefined || doc.deleted ? undefined : (doc.value as JsonValue);
  }

  async list(collection: string): Promise<{ key: string; value: JsonValue }[]> {
    const out: { key: string; value: JsonValue }[] = [];
    let afterKey: string | undefined;
    for (;;) {
      const page = await this.store.documents.list(assertCollection(collection), { limit: 1000, ...(afterKey === undefined ? {} : { afterKey }) });
      for (const d of page) out.push({ key: d.key, value: d.value as JsonValue });
      if (page.length < 1000) return out;
      afterKey = page[page.length - 1]!.key;
    }
  }

  declareIndexes(collection: string, indexes: string[][]): Promise<void> {
    this.assertOpen();
    return this.queries.declare(collection, indexes);
  }

  query(collection: string, query: NormalizedQuery): Promise<{ key: string; value: JsonValue }[]> {
    return this.queries.run(collection, query);
  }

  explain(collection: string, query: NormalizedQuery): Promise<QueryExplanation> {
    return this.queries.explain(collection, query);
  }

  /** Append records in HLC order of their batches, across authors. */
  async readRecords(after: Hlc | null, limit: number): Promise<RecordPage> {
    assertRecordsQuery(after, limit);
    const entries = await this.store.oplog.entriesAfter(after, { limit: Math.min(limit, MAX_RECORDS_PAGE) });
    const records: unknown[] = [];
    for (const e of entries) if (e.payload !== null) records.push(...(JSON.parse(e.payload) as unknown[]));
    return { records, next: entries.length === 0 ? null : entries[entries.length - 1]!.hlc };
  }

  syncNow(): Promise<RoundReport> {
    this.assertOpen();
    return this.orchestrator.syncNow();
  }

  async status(): Promise<PipelineStatus> {
    const lag = this.runtime.lag.snapshot();
    return {
      ...this.runtime.metrics,
      timestampConflicts: this.runtime.replica.timestampConflicts,
      recordsStored: this.runtime.replica.recordsStored,
      datasetId: this.datasetId,
      kind: this.runtime.options.kind,
      peers: this.orchestrator.status(),
      oplogEntries: await this.store.oplog.count(),
      lag,
      // A node without peers has no one to ack its writes: their age says nothing.
      health: withUnackedAge(await datasetHealth({ datasetId: this.datasetId, storage: this.store }), this.orchestrator.status().length > 0 ? lag.unackedMs : null),
      sinks: await Promise.all(this.feeders.map(async (f) => ({ ...(await f.stats()), routing: f.metrics() ?? null }))),
    };
  }

  async managePeer(op: PeerOp, peerId: string): Promise<boolean> {
    this.assertOpen();
    switch (op) {
      case 'track':
        await registerPeer(this.store, peerId);
        return true;
      case 'untrack':
        return removePeer(this.store, peerId);
      case 'activate':
        return activatePeer(this.store, peerId);
      case 'deactivate':
        return deactivatePeer(this.store, peerId);
      default:
        throw new SluiceError('invalid_options', `Unknown peer operation ${JSON.stringify(op)}.`);
    }
  }

  /** Waits until every sink has been fed and checkpointed everything applied so far. */
  async drainSinks(): Promise<void> {
    await Promise.all(this.feeders.map((f) => f.drain()));
  }

  async exportSnapshot(): Promise<DatasetSnapshot> {
    return signOwnHead(await this.store.snapshots.export(), this.runtime.replica.signer);
  }

  async importSnapshot(snapshot: DatasetSnapshot, mode: SnapshotImportMode): Promise<void> {
    this.assertOpen();
    if (mode !== 'merge' && mode !== 'replace') throw new SluiceError('invalid_options', `Snapshot import mode must be "merge" or "replace", got ${JSON.stringify(mode)}.`);
    await this.runtime.replica.importSnapshot(parseSnapshot(this.datasetId, snapshot, Number.MAX_SAFE_INTEGER), mode);
  }

  /** Answers a peer that dialed in for this dataset, authenticated by the thread that accepted it. */
  async serve(transport: Transport, identity: PeerIdentity, heartbeatMs?: number): Promise<void> {
    this.assertOpen();
    const connection = new Connection(transport, {
      role: 'acceptor',
      codec: new FrameCodec({ maxFrameBytes: this.settings.maxFrameBytes }),
      onRequest: new Responder(this.ctx, 'acceptor', identity).handle,
      heartbeatMs: heartbeatMs ?? this.settings.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      traffic: this.runtime.metrics,
    });
    this.attach(connection);
  }

  /** Peers connected to this dataset now (a hub lets an idle per-identity dataset go). */
  get liveConnections(): number {
    return this.served.size;
  }

  /** A live connection of a peer that dialed in: it hears of every commit of this dataset. */
  attach(connection: Connection): void {
    this.served.add(connection);
    void connection.closed.then(() => this.served.delete(connection));
  }

  async setRevokedListener(listener: ((event: DatasetRevoked) => void) | null): Promise<void> {
    this.revokedListener = listener;
  }

  async setChangeListener(listener: ((changes: DocumentChange[]) => void) | null): Promise<void> {
    this.listener = listener;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    await this.unwatch?.();
    await Promise.all(this.feeders.map((f) => f.close()));
    await this.orchestrator.stop();
    await this.maintaining?.catch(() => undefined);
    for (const c of this.served) c.close(4503, 'pipeline stopping');
  }

  private assertOpen(): void {
    if (this.closed) throw new SluiceError('store_closed', `The ${this.datasetId} pipeline is closed.`);
  }
}
