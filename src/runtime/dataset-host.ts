import type { DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import { FrameCodec } from '../protocol/frame-codec.ts';
import type { Transport } from '../protocol/transport.ts';
import { Connection, DEFAULT_HEARTBEAT_MS } from '../sync/connection.ts';
import type { DatasetRuntime } from '../sync/dataset-runtime.ts';
import { emptySnapshot } from '../store/snapshot-store.ts';
import type { PeerIdentity } from '../sync/peer-identity.ts';
import { Responder, type ResponderContext, type SessionHooks } from '../sync/responder.ts';
import { restoreSession, type AcceptedSession } from '../sync/accepted-session.ts';
import type { AcceptOptions } from './acceptor.ts';
import type { DatasetSlot } from './dataset-slot.ts';
import { newSlot } from './dataset-slots.ts';
import { collectStatus, type DatasetStatus } from './dataset-status.ts';
import type { NodeHost } from './node-host.ts';
import { resolveTemplates, type NodeOptions, type ResolvedDataset, type ResolvedTemplate } from './node-options.ts';
import { isInstanceOf, type DatasetTemplate } from '../core/dataset-template.ts';
import type { ServedDatasets } from '../sync/peer-identity.ts';
import { DatasetPipeline } from './pipeline/dataset-pipeline.ts';
import type { DatasetRevoked, PipelineApi } from './pipeline/pipeline-api.ts';
import { customWorkerHandle } from './worker/worker-handles.ts';
import { WorkerPipeline } from './worker/worker-pipeline.ts';
import { peerTokens, pipelineSettings, workerConfig } from './worker/worker-settings.ts';
import type { TabPipeline } from './tabs/tab-pipeline.ts';
import { keepsOwnPipeline, sharedDataset } from './tabs/shared-dataset.ts';
import { sharedStorageKey } from './tabs/shared-storage-key.ts';
// Resolved by the package's import conditions: 'shared' in browsers, 'own' elsewhere.
import { DEFAULT_TABS } from '#sluice/tab-default';

export type { DatasetStatus } from './dataset-status.ts';

const DEFAULT_MAX_OPEN_DATASETS = 1_000;

/**
 * The node's datasets: one slot each, holding its pipeline (in this thread, or a proxy to its
 * worker) and, for append datasets, the buffer in front of it. The host starts and stops them,
 * collects their status, and serves peers of its in-process datasets.
 */
export class DatasetHost implements NodeHost, ServedDatasets {
  private readonly slots = new Map<DatasetId, DatasetSlot>();
  private readonly accepted = new Set<Connection>();
  private readonly responderContext: ResponderContext;
  private readonly runtimes = new Map<DatasetId, DatasetRuntime>();
  /** Datasets made per identity, and those being opened for their first peer. */
  private readonly templates: readonly ResolvedTemplate[];
  private readonly opening = new Map<DatasetId, Promise<void>>();
  /** Open per-identity datasets, least recently used first (a Set keeps insertion order). */
  private readonly instances = new Set<DatasetId>();
  /** Datasets a handshake is about to be served on: never let go meanwhile. */
  private readonly pins = new Map<DatasetId, number>();
  /** Datasets being let go: opening one again waits until its file is closed. */
  private readonly closing = new Map<DatasetId, Promise<void>>();
  /** Given to every pipeline, those of instances opened later too. */
  private revokedListener: ((event: DatasetRevoked) => void) | undefined;
  private stopped = false;

  constructor(
    readonly nodeId: string,
    private readonly options: NodeOptions,
    datasets: readonly ResolvedDataset[],
    readonly maxFrameBytes: number,
    onWorkerCrash: (datasetId: DatasetId, reason: string) => void,
    /** Who schedules pruning of in-process pipelines (see PipelineSettings.maintenance). */
    private readonly maintenance: 'timer' | 'host' = 'timer',
  ) {
    const served = this.runtimes;
    this.responderContext = { nodeId, datasets: served };
    this.templates = resolveTemplates(options);
    const sharedStorage = (options.tabs ?? DEFAULT_TABS) === 'shared' ? sharedStorageKey(options.storage) : null;
    for (const d of datasets) {
      const settings = { ...pipelineSettings(nodeId, options, d, maxFrameBytes), maintenance };
      let local: DatasetPipeline | undefined;
      let worker: WorkerPipeline | undefined;
      let tab: TabPipeline | undefined;
      const resyncs = new Set<() => void>();
      if (sharedStorage !== null && !keepsOwnPipeline(options, d)) {
        tab = sharedDataset(d, settings, options, sharedStorage, onWorkerCrash, resyncs);
      } else if (d.options.worker) {
        const own = d.options.worker;
        worker = new WorkerPipeline(d.datasetId, workerConfig(settings, options), {
          ...(typeof own === 'function' ? { spawn: () => customWorkerHandle(own(), d.datasetId) } : {}),
          onCrash: onWorkerCrash,
          tokens: peerTokens(options),
        });
      } else {
        local = new DatasetPipeline(settings, options.storage, options.peers ?? []);
        served.set(d.datasetId, local.runtime);
      }
      const pipeline: PipelineApi = (tab ?? local ?? worker)!;
      this.slots.set(d.datasetId, newSlot(d, pipeline, { local, worker, tab, resyncs }));
    }
  }

  get ids(): DatasetId[] {
    return [...this.slots.keys()];
  }

  all(): DatasetSlot[] {
    return [...this.slots.values()];
  }

  setRevokedListener(listener: (event: DatasetRevoked) => void): void {
    this.revokedListener = listener;
    for (const slot of this.slots.values()) void slot.pipeline.setRevokedListener(listener).catch(() => undefined);
  }

  /** Whether this node serves `datasetId`: configured by id, or an instance of one of its templates. */
  has(datasetId: DatasetId): boolean {
    return this.slots.has(datasetId) || this.templateOf(datasetId) !== undefined;
  }

  templateOf(datasetId: DatasetId): DatasetTemplate | undefined {
    return this.templates.find((t) => isInstanceOf(t.template, datasetId))?.template;
  }

  /**
   * Opens an instance of a template for its first peer: a pipeline in this thread, on the node's
   * storage, with the template's options. Datasets configured by id are open already. The dataset
   * stays open at least until the returned unpin is called: the caller serves its peer first.
   */
  async ensure(datasetId: DatasetId): Promise<() => void> {
    this.pin(datasetId, 1);
    try {
      if (!this.slots.has(datasetId)) {
        let opening = this.opening.get(datasetId);
        if (opening === undefined) {
          opening = this.openInstance(datasetId).finally(() => this.opening.delete(datasetId));
          this.opening.set(datasetId, opening);
        }
        await opening;
      }
    } catch (error) {
      this.pin(datasetId, -1);
      throw error;
    }
    this.touch(datasetId);
    let pinned = true;
    return () => {
      if (pinned) this.pin(datasetId, -1);
      pinned = false;
    };
  }

  private pin(datasetId: DatasetId, by: number): void {
    const pins = (this.pins.get(datasetId) ?? 0) + by;
    if (pins > 0) this.pins.set(datasetId, pins);
    else this.pins.delete(datasetId);
  }

  private async openInstance(datasetId: DatasetId): Promise<void> {
    const found = this.templates.find((t) => isInstanceOf(t.template, datasetId));
    if (found === undefined || this.stopped) throw new SluiceError('invalid_dataset_id', `Dataset "${datasetId}" is not served by this node.`, { datasetId });
    await this.closing.get(datasetId)?.catch(() => undefined);
    const d: ResolvedDataset = { datasetId, options: found.options, resolvers: found.resolvers, buffer: undefined, sinks: [] };
    const local = new DatasetPipeline({ ...pipelineSettings(this.nodeId, this.options, d, this.maxFrameBytes), maintenance: this.maintenance }, this.options.storage, this.options.peers ?? []);
    if (this.revokedListener) await local.setRevokedListener(this.revokedListener);
    await local.start();
    if (this.stopped) {
      await local.close();
      throw new SluiceError('store_closed', 'The node is stopping.', { datasetId });
    }
    this.runtimes.set(datasetId, local.runtime);
    this.slots.set(datasetId, newSlot(d, local, { local, worker: undefined, tab: undefined, resyncs: new Set() }));
    this.touch(datasetId);
    await this.letIdleGo();
  }

  private touch(datasetId: DatasetId): void {
    if (!this.instances.has(datasetId) && !this.templateOf(datasetId)) return;
    this.instances.delete(datasetId);
    this.instances.add(datasetId);
  }

  /**
   * Over maxOpenDatasets, closes the least recently used per-identity datasets nobody is connected
   * to, or about to be. Datasets with connections stay open whatever their number.
   */
  private async letIdleGo(): Promise<void> {
    const max = this.options.maxOpenDatasets ?? DEFAULT_MAX_OPEN_DATASETS;
    for (const datasetId of [...this.instances.keys()]) {
      if (this.instances.size <= max) return;
      const local = this.slots.get(datasetId)?.local;
      if (local === undefined || local.liveConnections > 0 || this.pins.has(datasetId)) continue;
      this.instances.delete(datasetId);
      this.slots.delete(datasetId);
      this.runtimes.delete(datasetId);
      const closed = (async () => {
        await local.close();
        await this.options.storage.release?.(datasetId);
      })().finally(() => this.closing.delete(datasetId));
      this.closing.set(datasetId, closed);
      await closed;
    }
  }

  /**
   * Stops the dataset and deletes what this node holds of it. The pipeline closes first (no round
   * can bring anything back in), then its documents and history are deleted through this thread's
   * storage, which reaches the same file or database the worker used.
   */
  async forget(datasetId: DatasetId): Promise<void> {
    const slot = this.slot(datasetId);
    const forgetting = (async () => {
      slot.detachBuffer();
      await slot.buffer?.close();
      await slot.pipeline.close();
      await this.options.storage.open(datasetId).snapshots.import(emptySnapshot(datasetId), { mode: 'replace' });
      await this.options.storage.release?.(datasetId);
    })();
    // An instance's next client waits for this before opening it again (see openInstance).
    this.closing.set(datasetId, forgetting);
    try {
      await forgetting;
    } finally {
      if (this.closing.get(datasetId) === forgetting) this.closing.delete(datasetId);
    }
    // Only once its data is gone: a failed forget can be called again.
    this.slots.delete(datasetId);
    this.runtimes.delete(datasetId);
    this.instances.delete(datasetId);
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
    this.stopped = true;
    await Promise.allSettled([...this.opening.values(), ...this.closing.values()]);
    for (const s of this.slots.values()) s.detachBuffer();
    await Promise.all([...this.slots.values()].map((s) => s.buffer?.close()));
    await Promise.all([...this.slots.values()].map((s) => s.pipeline.close()));
    for (const c of this.accepted) c.close(4503, 'node shutting down');
  }

  /** Per-dataset status. A dataset whose worker is restarting reports that instead of failing the call. */
  metrics(): Promise<Record<DatasetId, DatasetStatus>> {
    return collectStatus(this.slots.values());
  }

  /** Serves an authenticated peer on this thread; each in-process dataset it may use announces its commits on it (live push). */
  serveHere(transport: Transport, identity: PeerIdentity, options: AcceptOptions): void {
    const onAccepted = options.onAccepted;
    this.serveConnection(transport, identity, options, onAccepted ? { onAccepted: (session) => onAccepted(identity, session) } : {});
  }

  /**
   * Serves a connection whose handshake this host accepted before it lost its memory (an edge hub
   * waking from hibernation): same identity, same session, no second handshake.
   */
  resume(transport: Transport, identity: PeerIdentity, session: AcceptedSession, options: AcceptOptions = {}): void {
    const connection = this.serveConnection(transport, identity, options, { resumed: session });
    restoreSession(connection, identity.nodeId, session);
  }

  private serveConnection(transport: Transport, identity: PeerIdentity, options: AcceptOptions, hooks: SessionHooks): Connection {
    const connection = new Connection(transport, {
      role: 'acceptor',
      codec: new FrameCodec({ maxFrameBytes: this.maxFrameBytes }),
      onRequest: new Responder(this.responderContext, 'acceptor', identity, hooks).handle,
      heartbeatMs: options.heartbeatMs ?? this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      ...(options.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: options.maxQueuedBytes }),
      // A connection for one dataset counts its bytes in that dataset's metrics.
      ...(identity.granted.length === 1 ? { traffic: this.slots.get(identity.granted[0]!)?.local?.runtime.metrics } : {}),
    });
    this.accepted.add(connection);
    void connection.closed.then(() => this.accepted.delete(connection));
    for (const datasetId of identity.granted) this.slots.get(datasetId)?.local?.attach(connection);
    return connection;
  }
}

