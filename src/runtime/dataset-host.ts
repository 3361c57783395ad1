import type { DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import { AppendBuffer, flushOnPageHide, type AppendBufferStats, type AppendSink, type RecordBatch } from '../pipeline/append-buffer.ts';
import { FrameCodec } from '../protocol/frame-codec.ts';
import type { Transport } from '../protocol/transport.ts';
import { Connection, DEFAULT_HEARTBEAT_MS } from '../sync/connection.ts';
import type { DatasetRuntime } from '../sync/dataset-runtime.ts';
import { unhealthy } from '../sync/health.ts';
import { DropWatch, withDrops, type DropCounts } from '../sync/live-health.ts';
import { newDatasetMetrics } from '../sync/metrics.ts';
import type { PeerIdentity } from '../sync/peer-identity.ts';
import { Responder, type ResponderContext } from '../sync/responder.ts';
import type { AcceptOptions } from './acceptor.ts';
import type { DatasetSlot } from './dataset-slot.ts';
import type { NodeOptions, ResolvedDataset } from './node-options.ts';
import { DatasetPipeline, type PipelineSettings } from './pipeline/dataset-pipeline.ts';
import type { PipelineApi, PipelineStatus } from './pipeline/pipeline-api.ts';
import type { WorkerPipelineConfig } from './worker/worker-config.ts';
import { customWorkerHandle } from './worker/worker-handles.ts';
import { WorkerPipeline, type WorkerStatus } from './worker/worker-pipeline.ts';
import { TabPipeline } from './tabs/tab-pipeline.ts';
import { sharedName } from './tabs/tab-messages.ts';
import { sharedStorageKey } from './tabs/shared-storage-key.ts';
// Resolved by the package's import conditions: 'shared' in browsers, 'own' elsewhere.
import { DEFAULT_TABS } from '#sluice/tab-default';

export interface DatasetStatus extends PipelineStatus {
  readonly worker: WorkerStatus;
  /** Append datasets: depth, in-flight batches and drops by policy. */
  readonly buffer: AppendBufferStats | null;
}

/**
 * The node's datasets: one slot each, holding its pipeline (in this thread, or a proxy to its
 * worker) and, for append datasets, the buffer in front of it. The host starts and stops them,
 * collects their status, and serves peers of its in-process datasets.
 */
export class DatasetHost {
  private readonly slots = new Map<DatasetId, DatasetSlot>();
  private readonly accepted = new Set<Connection>();
  private readonly responderContext: ResponderContext;

  constructor(
    readonly nodeId: string,
    private readonly options: NodeOptions,
    datasets: readonly ResolvedDataset[],
    readonly maxFrameBytes: number,
    onWorkerCrash: (datasetId: DatasetId, reason: string) => void,
  ) {
    const served = new Map<DatasetId, DatasetRuntime>();
    this.responderContext = { nodeId, datasets: served };
    const sharedStorage = (options.tabs ?? DEFAULT_TABS) === 'shared' ? sharedStorageKey(options.storage) : null;
    for (const d of datasets) {
      const settings: PipelineSettings = {
        nodeId,
        datasetId: d.datasetId,
        options: d.options,
        resolvers: d.resolvers,
        maxFrameBytes,
        ...(options.maxClockDriftMs === undefined ? {} : { maxClockDriftMs: options.maxClockDriftMs }),
        ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
        signing: options.signing ?? true,
        ...(d.sinks.length > 0 ? { sinks: d.sinks } : {}),
      };
      let local: DatasetPipeline | undefined;
      let worker: WorkerPipeline | undefined;
      let tab: TabPipeline | undefined;
      const resyncs = new Set<() => void>();
      // worker: false and sinks are functions of this tab's thread: such a dataset stays in the tab.
      const keepsOwn = options.datasets?.[d.datasetId]?.worker === false || d.sinks.length > 0;
      if (sharedStorage !== null && !keepsOwn) {
        const own = d.options.worker;
        tab = new TabPipeline(d.datasetId, {
          name: sharedName(sharedStorage, d.datasetId),
          config: workerConfig(settings, options),
          startWorker: (config) =>
            new WorkerPipeline(d.datasetId, config, {
              ...(typeof own === 'function' ? { spawn: () => customWorkerHandle(own(), d.datasetId) } : {}),
              onCrash: onWorkerCrash,
            }),
          onLeaderChange: () => {
            for (const resync of resyncs) resync();
          },
        });
      } else if (d.options.worker) {
        const own = d.options.worker;
        worker = new WorkerPipeline(d.datasetId, workerConfig(settings, options), {
          ...(typeof own === 'function' ? { spawn: () => customWorkerHandle(own(), d.datasetId) } : {}),
          onCrash: onWorkerCrash,
        });
      } else {
        local = new DatasetPipeline(settings, options.storage, options.peers ?? []);
        served.set(d.datasetId, local.runtime);
      }
      const pipeline: PipelineApi = (tab ?? local ?? worker)!;
      const buffer = d.buffer ? new AppendBuffer(d.buffer, appendSink(pipeline)) : undefined;
      const detachBuffer = buffer ? flushOnPageHide(buffer) : () => undefined;
      this.slots.set(d.datasetId, { id: d.datasetId, pipeline, local, worker, tab, listeners: new Set(), resyncs, buffer, detachBuffer, drops: new DropWatch() });
    }
  }

  get ids(): DatasetId[] {
    return [...this.slots.keys()];
  }

  all(): DatasetSlot[] {
    return [...this.slots.values()];
  }

  has(datasetId: DatasetId): boolean {
    return this.slots.has(datasetId);
  }

  /** The worker running `datasetId`, if it runs in one. */
  workerFor(datasetId: DatasetId): WorkerPipeline | undefined {
    return this.slots.get(datasetId)?.worker;
  }

  slot(datasetId: DatasetId): DatasetSlot {
    const slot = this.slots.get(datasetId);
    if (!slot) {
      throw new SluiceError('invalid_dataset_id', `Dataset "${datasetId}" is not configured on this node (configured: ${this.ids.join(', ')}). Add it under datasets in createNode().`, { datasetId });
    }
    return slot;
  }

  /** In-process pipelines first, so a slow worker start never delays them; then every worker. */
  async start(): Promise<void> {
    for (const slot of this.slots.values()) await slot.local?.start();
    const workers = await Promise.allSettled([...this.slots.values()].map((slot) => slot.worker?.start() ?? slot.tab?.start()));
    const failed = workers.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Buffers first, so what append() accepted reaches storage before the pipelines stop; then the connections served here. */
  async stop(): Promise<void> {
    for (const s of this.slots.values()) s.detachBuffer();
    await Promise.all([...this.slots.values()].map((s) => s.buffer?.close()));
    await Promise.all([...this.slots.values()].map((s) => s.pipeline.close()));
    for (const c of this.accepted) c.close(4503, 'node shutting down');
  }

  /** Per-dataset status. A dataset whose worker is restarting reports that instead of failing the call. */
  async metrics(): Promise<Record<DatasetId, DatasetStatus>> {
    const out: Record<DatasetId, DatasetStatus> = {};
    await Promise.all(
      [...this.slots.values()].map(async (slot) => {
        const worker: WorkerStatus = slot.worker?.workerStatus() ?? slot.tab?.workerStatus() ?? { state: 'in-process', restarts: 0, lastCrash: null };
        const buffer = slot.buffer?.stats() ?? null;
        let status: PipelineStatus;
        try {
          status = await slot.pipeline.status();
        } catch (error) {
          status = unavailableStatus(slot.id, error);
        }
        // The buffer lives on this thread, so drops are folded into health here, not in the pipeline.
        const health = buffer ? withDrops(status.health, slot.drops.observe(dropCounts(buffer), Date.now())) : status.health;
        out[slot.id] = { ...status, health, worker, buffer };
      }),
    );
    return out;
  }

  /** Serves an authenticated peer on this thread; each in-process dataset it may use announces its commits on it (live push). */
  serveHere(transport: Transport, identity: PeerIdentity, options: AcceptOptions): void {
    const connection = new Connection(transport, {
      role: 'acceptor',
      codec: new FrameCodec({ maxFrameBytes: this.maxFrameBytes }),
      onRequest: new Responder(this.responderContext, 'acceptor', identity).handle,
      heartbeatMs: options.heartbeatMs ?? this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      ...(options.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: options.maxQueuedBytes }),
      // A connection for one dataset counts its bytes in that dataset's metrics.
      ...(identity.granted.length === 1 ? { traffic: this.slots.get(identity.granted[0]!)?.local?.runtime.metrics } : {}),
    });
    this.accepted.add(connection);
    void connection.closed.then(() => this.accepted.delete(connection));
    for (const datasetId of identity.granted) this.slots.get(datasetId)?.local?.attach(connection);
  }
}

function dropCounts(stats: AppendBufferStats): DropCounts {
  const d = stats.dropped;
  return { shed: d['drop-oldest'] + d['drop-newest'], failed: d['ingest-failed'] + d['spill-failed'] + d.refused };
}

/** The dataset's records collection: append batches land here. */
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
    lag: { ack: { p50: null, p95: null, samples: 0 }, apply: { p50: null, p95: null, samples: 0 }, unackedMs: null },
    sinks: [],
    health: unhealthy(datasetId, `pipeline unavailable: ${lastError.message}`),
  };
}
