import type { DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import type { Hlc } from '../core/hlc.ts';
import type { JsonValue } from '../core/json.ts';
import { AppendBuffer, flushOnPageHide, type AppendBufferStats, type AppendSink, type RecordBatch } from '../pipeline/append-buffer.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/frame.ts';
import { FrameCodec } from '../protocol/frame-codec.ts';
import type { Transport } from '../protocol/transport.ts';
import type { DatasetSnapshot, SnapshotImportMode } from '../store/snapshot-store.ts';
import { Acceptor, type AcceptOptions } from './acceptor.ts';
import type { PeerIdentity } from '../sync/peer-identity.ts';
import type { AuthOptions } from '../sync/auth.ts';
import { Connection } from '../sync/connection.ts';
import type { RoundReport } from '../sync/dataset-orchestrator.ts';
import type { DatasetRuntime } from '../sync/dataset-runtime.ts';
import { unhealthy } from '../sync/health.ts';
import { newDatasetMetrics } from '../sync/metrics.ts';
import type { MaintenanceReport } from '../sync/maintenance.ts';
import { Responder, type ResponderContext } from '../sync/responder.ts';
import { openCollection, type Collection } from './collection.ts';
import type { NodeOptions, ResolvedDataset } from './node-options.ts';
import { DatasetPipeline, type PipelineSettings } from './pipeline/dataset-pipeline.ts';
import type { DocumentChange, PipelineApi, PipelineStatus, RecordPage } from './pipeline/pipeline-api.ts';
import type { DatasetSlot } from './dataset-slot.ts';
import type { WorkerPipelineConfig } from './worker/worker-config.ts';
import { customWorkerHandle } from './worker/worker-handles.ts';
import { WorkerPipeline, type WorkerStatus } from './worker/worker-pipeline.ts';

export interface DatasetHandle {
  readonly id: DatasetId;
  collection<T extends JsonValue = JsonValue>(name: string): Collection<T>;
  /**
   * Append datasets: buffers records and returns at once (under the `block` policy, a full buffer
   * makes it return a Promise that resolves when there is room). Records are JSON objects.
   */
  append(records: unknown): void | Promise<void>;
  /** Hands everything buffered to the pipeline and waits until it is stored. */
  flush(): Promise<void>;
  /** Reads stored records (all authors) in batch order; pass `next` back to page. */
  records(after?: Hlc | null, limit?: number): Promise<RecordPage>;
}

export interface DatasetStatus extends PipelineStatus {
  readonly worker: WorkerStatus;
  /** Append datasets: depth, in-flight batches and drops by policy. */
  readonly buffer: AppendBufferStats | null;
}

export interface NodeEvents {
  /** Every `metricsIntervalMs` while someone listens: the same object metrics() returns. */
  metrics: Record<DatasetId, DatasetStatus>;
  /** A dataset's worker died; it is being restarted with backoff. */
  'worker-crash': { datasetId: DatasetId; reason: string };
}

export const MULTI_SNAPSHOT_FORMAT = 'sluice-multi-snapshot/1';

/** A full export: one dataset snapshot per dataset, each restorable on its own. */
export interface MultiDatasetSnapshot {
  readonly format: typeof MULTI_SNAPSHOT_FORMAT;
  readonly createdAt: number;
  readonly datasets: Record<DatasetId, DatasetSnapshot>;
}

export type { AcceptOptions } from './acceptor.ts';

/** A running sluice node: one isolated pipeline per dataset. */
export class SyncNode {
  readonly nodeId: string;
  private readonly slots = new Map<DatasetId, DatasetSlot>();
  private readonly accepted = new Set<Connection>();
  private readonly maxFrameBytes: number;
  private readonly responderContext: ResponderContext;
  private readonly acceptor: Acceptor;
  private closed = false;
  private readonly eventListeners: { [K in keyof NodeEvents]: Set<(event: NodeEvents[K]) => void> } = { metrics: new Set(), 'worker-crash': new Set() };
  private metricsTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    nodeId: string,
    private readonly options: NodeOptions,
    datasets: readonly ResolvedDataset[],
  ) {
    this.nodeId = nodeId;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const served = new Map<DatasetId, DatasetRuntime>();
    this.responderContext = { nodeId, datasets: served };
    this.acceptor = new Acceptor({
      nodeId,
      maxFrameBytes: this.maxFrameBytes,
      defaultAuth: options.auth,
      defaultHeartbeatMs: options.heartbeatMs,
      servedDatasets: () => new Set(this.slots.keys()),
      workerFor: (datasetId) => this.slots.get(datasetId)?.worker,
      serveHere: (transport, identity, acceptOptions) => this.serveHere(transport, identity, acceptOptions),
    });
    // A bad JWT configuration fails at construction or in start(), not at the first handshake.
    if (options.auth) this.acceptor.authenticatorFor(options.auth);
    for (const d of datasets) {
      const settings: PipelineSettings = {
        nodeId,
        datasetId: d.datasetId,
        options: d.options,
        resolvers: d.resolvers,
        maxFrameBytes: this.maxFrameBytes,
        ...(options.maxClockDriftMs === undefined ? {} : { maxClockDriftMs: options.maxClockDriftMs }),
        ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
        signing: options.signing ?? true,
        ...(d.sinks.length > 0 ? { sinks: d.sinks } : {}),
      };
      let local: DatasetPipeline | undefined;
      let worker: WorkerPipeline | undefined;
      if (d.options.worker) {
        const own = d.options.worker;
        worker = new WorkerPipeline(d.datasetId, workerConfig(settings, options), {
          ...(typeof own === 'function' ? { spawn: () => customWorkerHandle(own(), d.datasetId) } : {}),
          onCrash: (datasetId, reason) => {
            // Its peers' sockets go with it: they reconnect and are relayed to the restarted worker.
            this.acceptor.closeRelays(datasetId, `dataset worker restarting: ${reason}`.slice(0, 120));
            options.onWorkerCrash?.(datasetId, reason);
            this.emit('worker-crash', { datasetId, reason });
          },
        });
      } else {
        local = new DatasetPipeline(settings, options.storage, options.peers ?? []);
        served.set(d.datasetId, local.runtime);
      }
      const pipeline: PipelineApi = (local ?? worker)!;
      const buffer = d.buffer ? new AppendBuffer(d.buffer, appendSink(pipeline)) : undefined;
      const detachBuffer = buffer ? flushOnPageHide(buffer) : () => undefined;
      this.slots.set(d.datasetId, { id: d.datasetId, pipeline, local, worker, listeners: new Set(), buffer, detachBuffer });
    }
  }

  /**
   * Starts every pipeline; in-process ones first, so a slow worker start never delays them. If any
   * fails to start, the ones already running are stopped again (workers would otherwise keep the
   * process alive); the storage stays open, since the caller passed it in and may retry.
   */
  async start(): Promise<void> {
    if (this.options.auth) await this.validateAuth(this.options.auth);
    try {
      for (const slot of this.slots.values()) await slot.local?.start();
      const workers = await Promise.allSettled([...this.slots.values()].map((slot) => slot.worker?.start()));
      const failed = workers.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (error) {
      this.closed = true;
      await this.stopPipelines().catch(() => undefined);
      throw error;
    }
  }

  get datasetIds(): DatasetId[] {
    return [...this.slots.keys()];
  }

  collection<T extends JsonValue = JsonValue>(name: string, datasetId: DatasetId = 'primary'): Collection<T> {
    return openCollection<T>(this.slot(datasetId), name);
  }

  dataset(id: DatasetId): DatasetHandle {
    const slot = this.slot(id);
    const buffer = () => {
      if (!slot.buffer) throw new SluiceError('invalid_options', `Dataset "${id}" is a documents dataset: append() needs { kind: 'append' } in its config.`, { datasetId: id });
      return slot.buffer;
    };
    return {
      id,
      collection: <T extends JsonValue = JsonValue>(name: string) => openCollection<T>(slot, name),
      append: (records) => buffer().append(records),
      flush: () => buffer().flush(),
      records: (after = null, limit = 1000) => slot.pipeline.readRecords(after, limit),
    };
  }

  /** Runs a sync round now for one dataset, or for all of them, and reports each peer's outcome. */
  async syncNow(datasetId?: DatasetId): Promise<RoundReport[]> {
    const targets = datasetId === undefined ? [...this.slots.values()] : [this.slot(datasetId)];
    return Promise.all(targets.map((s) => s.pipeline.syncNow()));
  }

  /**
   * Subscribes to node events; returns the unsubscribe function. Metrics events start with the
   * first listener and stop with the last, so an unobserved node does no polling.
   */
  on<K extends keyof NodeEvents>(event: K, listener: (payload: NodeEvents[K]) => void): () => void {
    const set = this.eventListeners[event] as Set<(payload: NodeEvents[K]) => void> | undefined;
    if (!set) throw new SluiceError('invalid_options', `Unknown event ${JSON.stringify(String(event)).slice(0, 80)}: use ${Object.keys(this.eventListeners).join(' or ')}.`, { field: 'event' });
    if (typeof listener !== 'function') throw new SluiceError('invalid_options', `node.on("${event}", listener) needs a function as its listener.`, { field: 'listener' });
    set.add(listener);
    if (event === 'metrics' && !this.metricsTimer) {
      this.metricsTimer = setInterval(() => {
        void this.metrics().then((m) => this.emit('metrics', m), () => undefined);
      }, this.options.metricsIntervalMs ?? 1_000);
      (this.metricsTimer as { unref?: () => void }).unref?.();
    }
    return () => {
      set.delete(listener);
      if (event === 'metrics' && set.size === 0 && this.metricsTimer) {
        clearInterval(this.metricsTimer);
        this.metricsTimer = undefined;
      }
    };
  }

  private emit<K extends keyof NodeEvents>(event: K, payload: NodeEvents[K]): void {
    for (const listener of this.eventListeners[event] as Set<(p: NodeEvents[K]) => void>) {
      try {
        listener(payload);
      } catch {
        // a listener's bug must not break the node
      }
    }
  }

  /** Tracks a peer for pruning: its confirmations then hold back this dataset's pruning. */
  trackPeer(datasetId: DatasetId, peerId: string): Promise<void> {
    return this.slot(datasetId).pipeline.managePeer('track', peerId).then(() => undefined);
  }

  /** Stops tracking a retired peer, so it no longer holds back pruning. Returns whether it was tracked. */
  untrackPeer(datasetId: DatasetId, peerId: string): Promise<boolean> {
    return this.slot(datasetId).pipeline.managePeer('untrack', peerId);
  }

  /** An inactive peer stays tracked but no longer holds back pruning. */
  setPeerActive(datasetId: DatasetId, peerId: string, active: boolean): Promise<boolean> {
    return this.slot(datasetId).pipeline.managePeer(active ? 'activate' : 'deactivate', peerId);
  }

  /** One dataset's documents, oplog, heads and boundaries. */
  exportSnapshot(datasetId: DatasetId): Promise<DatasetSnapshot> {
    return this.slot(datasetId).pipeline.exportSnapshot();
  }

  /** Every dataset, each exported by its own pipeline. */
  async exportAll(): Promise<MultiDatasetSnapshot> {
    const datasets: Record<DatasetId, DatasetSnapshot> = {};
    for (const slot of this.slots.values()) datasets[slot.id] = await slot.pipeline.exportSnapshot();
    return { format: MULTI_SNAPSHOT_FORMAT, createdAt: Date.now(), datasets };
  }

  /** Imports into the snapshot's own dataset only; other datasets are not touched. */
  importSnapshot(snapshot: DatasetSnapshot, mode: SnapshotImportMode): Promise<void> {
    const datasetId = typeof snapshot?.datasetId === 'string' && snapshot.datasetId !== '' ? snapshot.datasetId : 'primary';
    return this.slot(datasetId).pipeline.importSnapshot(snapshot, mode);
  }

  /** Imports each dataset of a multi-dataset snapshot through its own pipeline; unknown datasets are refused first. */
  async importAll(snapshot: MultiDatasetSnapshot, mode: SnapshotImportMode): Promise<void> {
    if (snapshot?.format !== MULTI_SNAPSHOT_FORMAT || typeof snapshot.datasets !== 'object') {
      throw new SluiceError('invalid_snapshot', `Expected a multi-dataset snapshot ("${MULTI_SNAPSHOT_FORMAT}") as written by exportAll().`);
    }
    for (const id of Object.keys(snapshot.datasets)) this.slot(id);
    for (const [id, dataset] of Object.entries(snapshot.datasets)) await this.slot(id).pipeline.importSnapshot(dataset, mode);
  }

  /** Resolves once the dataset's sinks have been fed and checkpointed every change applied so far. */
  drainSinks(datasetId: DatasetId): Promise<void> {
    return this.slot(datasetId).pipeline.drainSinks();
  }

  /** Prunes one dataset now (each also prunes every maintenanceInterval). */
  maintainNow(datasetId: DatasetId): Promise<MaintenanceReport> {
    return this.slot(datasetId).pipeline.maintainNow();
  }

  /** Per-dataset counters, lag, peers and worker state. A dataset whose worker is restarting reports that instead of failing the call. */
  async metrics(): Promise<Record<DatasetId, DatasetStatus>> {
    const out: Record<DatasetId, DatasetStatus> = {};
    await Promise.all(
      [...this.slots.values()].map(async (slot) => {
        const worker: WorkerStatus = slot.worker?.workerStatus() ?? { state: 'in-process', restarts: 0, lastCrash: null };
        try {
          out[slot.id] = { ...(await slot.pipeline.status()), worker, buffer: slot.buffer?.stats() ?? null };
        } catch (error) {
          out[slot.id] = { ...unavailableStatus(slot.id, error), worker, buffer: slot.buffer?.stats() ?? null };
        }
      }),
    );
    return out;
  }

  /**
   * Serves a peer that dialed in over `transport` (used by sluice/server). Its first frame must be
   * a handshake, authenticated here before anything reaches a pipeline; a dataset running in a
   * worker then gets the connection relayed to that worker, so its traffic is decoded and applied
   * there, never on this thread.
   */
  accept(transport: Transport, options: AcceptOptions = {}): void {
    if (this.closed) throw new SluiceError('store_closed', 'This node is closed.');
    this.acceptor.accept(transport, options);
  }

  /** Checks auth options up front (a listener awaits this before it binds); rejects with `invalid_options`. */
  validateAuth(auth: AuthOptions): Promise<void> {
    return this.acceptor.authenticatorFor(auth).ready;
  }

  private serveHere(transport: Transport, identity: PeerIdentity, options: AcceptOptions): void {
    const connection = new Connection(transport, {
      role: 'acceptor',
      codec: new FrameCodec({ maxFrameBytes: this.maxFrameBytes }),
      onRequest: new Responder(this.responderContext, 'acceptor', identity).handle,
      heartbeatMs: options.heartbeatMs ?? this.options.heartbeatMs ?? 15_000,
      ...(options.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: options.maxQueuedBytes }),
    });
    this.accepted.add(connection);
    void connection.closed.then(() => this.accepted.delete(connection));
    // Each in-process dataset it may use announces its commits on it (live push).
    for (const datasetId of identity.granted) this.slots.get(datasetId)?.local?.attach(connection);
  }

  /** The worker proxy of a dataset, for tests and operators (undefined for in-process datasets). */
  workerOf(datasetId: DatasetId): WorkerPipeline | undefined {
    return this.slot(datasetId).worker;
  }

  /** Stops every pipeline, closes connections, then the storage. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopPipelines();
    await this.options.storage.close();
  }

  private async stopPipelines(): Promise<void> {
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    // Buffers first: what append() accepted reaches storage before the pipelines stop.
    for (const s of this.slots.values()) s.detachBuffer();
    await Promise.all([...this.slots.values()].map((s) => s.buffer?.close()));
    await Promise.all([...this.slots.values()].map((s) => s.pipeline.close()));
    this.acceptor.closeAll(4503, 'node shutting down');
    for (const c of this.accepted) c.close(4503, 'node shutting down');
  }

  private slot(datasetId: DatasetId): DatasetSlot {
    const slot = this.slots.get(datasetId);
    if (!slot) {
      throw new SluiceError('invalid_dataset_id', `Dataset "${datasetId}" is not configured on this node (configured: ${this.datasetIds.join(', ')}). Add it under datasets in createNode().`, { datasetId });
    }
    return slot;
  }
}

/** The dataset's records collection: append batches land here as one entry each. */
const RECORDS_COLLECTION = 'records';

function appendSink(pipeline: PipelineApi): AppendSink {
  const store = (batch: RecordBatch) => pipeline.ingest(batch, RECORDS_COLLECTION);
  // spill: overflow goes straight to the dataset's own storage instead of waiting in memory; it
  // is the same durable oplog, kept up to the retention limit while the device is offline.
  return { ingest: store, spill: store };
}

function workerConfig(settings: PipelineSettings, options: NodeOptions): WorkerPipelineConfig {
  const field = `datasets.${settings.datasetId}.worker`;
  const storage = options.storage.describe?.();
  if (!storage) {
    throw new SluiceError('invalid_options', `${field}: this storage adapter cannot be opened from a worker (it has no describe()); use worker: false.`, { field });
  }
  const peers = (options.peers ?? []).map((p) => {
    const d = p.describe?.();
    if (!d) throw new SluiceError('invalid_options', `${field}: peer ${p.url} cannot be dialed from a worker (its connector has no describe()); use worker: false.`, { field });
    return d;
  });
  // Resolvers cross by name: a custom one must also be listed in the worker file's serveDatasetWorker({ resolvers }).
  const resolvers: Record<string, string> = {};
  for (const [collection, spec] of Object.entries(settings.resolvers)) resolvers[collection] = typeof spec === 'string' ? spec : spec.name;
  const { resolvers: _r, sinks: _s, ...rest } = settings;
  // A worker factory is a function: the worker only needs to know it runs in one.
  return { settings: { ...rest, options: { ...rest.options, worker: true }, resolvers }, storage, peers };
}

function unavailableStatus(datasetId: DatasetId, error: unknown): PipelineStatus {
  const lastError = { code: (error as { code?: string })?.code ?? 'unknown', message: (error as Error)?.message ?? String(error), at: Date.now() };
  return {
    ...newDatasetMetrics(),
    errors: 1,
    lastError,
    datasetId,
    kind: 'documents',
    peers: [],
    oplogEntries: 0,
    lag: { ack: { p50: null, p95: null, samples: 0 }, apply: { p50: null, p95: null, samples: 0 } },
    sinks: [],
    health: unhealthy(datasetId, `pipeline unavailable: ${lastError.message}`),
  };
}
