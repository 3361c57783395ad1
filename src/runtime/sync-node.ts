import { assertDatasetId, type DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import type { Hlc } from '../core/hlc.ts';
import type { JsonValue } from '../core/json.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/frame.ts';
import type { Transport } from '../protocol/transport.ts';
import type { DatasetSnapshot, SnapshotImportMode } from '../store/snapshot-store.ts';
import type { AuthOptions } from '../sync/auth.ts';
import type { RoundReport } from '../sync/dataset-orchestrator.ts';
import type { MaintenanceReport } from '../sync/maintenance.ts';
import type { AcceptOptions } from './acceptor.ts';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { openCollection, type Collection } from './collection.ts';
import type { CollectionOptions, SchemaCollection } from './collection-schema.ts';
import type { DatasetStatus } from './dataset-status.ts';
import type { BuildNodeParts, NodeHost, NodeServing } from './node-host.ts';
import { NodeEventBus, type NodeEvents } from './node-events.ts';
import type { NodeOptions, ResolvedDataset } from './node-options.ts';
import type { RecordPage } from './pipeline/pipeline-api.ts';
import type { WorkerPipeline } from './worker/worker-pipeline.ts';

export type { DatasetStatus } from './dataset-status.ts';
export type { NodeEvents } from './node-events.ts';

export interface DatasetHandle {
  readonly id: DatasetId;
  collection<S extends StandardSchemaV1>(name: string, options: { readonly schema: S; readonly indexes?: CollectionOptions['indexes'] }): SchemaCollection<S>;
  collection<T = JsonValue>(name: string, options?: CollectionOptions<undefined>): Collection<T>;
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

export const MULTI_SNAPSHOT_FORMAT = 'sluice-multi-snapshot/1';

/** A full export: one dataset snapshot per dataset, each restorable on its own. */
export interface MultiDatasetSnapshot {
  readonly format: typeof MULTI_SNAPSHOT_FORMAT;
  readonly createdAt: number;
  readonly datasets: Record<DatasetId, DatasetSnapshot>;
}

export type { AcceptOptions } from './acceptor.ts';

/**
 * A running sluice node: one isolated pipeline per dataset. This is the public facade: the datasets
 * live in a DatasetHost, peers come in through the Acceptor, listeners hang on the NodeEventBus.
 */
export class SyncNode {
  readonly nodeId: string;
  private readonly host: NodeHost;
  private readonly serving: NodeServing | null;
  private readonly events: NodeEventBus;
  private closed = false;

  constructor(
    nodeId: string,
    private readonly options: NodeOptions,
    datasets: readonly ResolvedDataset[],
    build: BuildNodeParts,
  ) {
    this.nodeId = nodeId;
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.events = new NodeEventBus(() => this.metrics(), options.metricsIntervalMs ?? 1_000);
    const parts = build({
      nodeId,
      options,
      datasets,
      maxFrameBytes,
      onWorkerCrash: (datasetId, reason) => {
        // Its peers' sockets go with it: they reconnect and are relayed to the restarted worker.
        this.serving?.closeRelays(datasetId, `dataset worker restarting: ${reason}`.slice(0, 120));
        options.onWorkerCrash?.(datasetId, reason);
        this.events.emit('worker-crash', { datasetId, reason });
      },
    });
    this.host = parts.host;
    this.serving = parts.serving;
    this.host.setRevokedListener((event) => this.events.emit('dataset-revoked', event));
    // A bad JWT configuration fails at construction or in start(), not at the first handshake.
    if (options.auth) this.serving?.authenticatorFor(options.auth);
  }

  /**
   * Starts every pipeline. If any fails to start, the ones already running are stopped again
   * (workers would otherwise keep the process alive); the storage stays open, since the caller
   * passed it in and may retry.
   */
  async start(): Promise<void> {
    if (this.options.auth && this.serving) await this.validateAuth(this.options.auth);
    try {
      await this.host.start();
    } catch (error) {
      this.closed = true;
      await this.stopPipelines().catch(() => undefined);
      throw error;
    }
  }

  get datasetIds(): DatasetId[] {
    return this.host.ids;
  }

  /**
   * A collection of `datasetId` (default `primary`). With `{ schema }` (any Standard Schema
   * validator) every write is validated, and the collection is typed by the schema.
   */
  collection<S extends StandardSchemaV1>(name: string, options: { readonly schema: S; readonly indexes?: CollectionOptions['indexes'] }, datasetId?: DatasetId): SchemaCollection<S>;
  collection<T = JsonValue>(name: string, options?: CollectionOptions<undefined>, datasetId?: DatasetId): Collection<T>;
  /** The earlier form, `collection(name, datasetId)`. */
  collection<T = JsonValue>(name: string, datasetId: DatasetId): Collection<T>;
  collection(name: string, optionsOrDataset?: CollectionOptions | DatasetId, datasetId: DatasetId = 'primary'): Collection<unknown> {
    if (typeof optionsOrDataset === 'string') return openCollection(this.host.slot(optionsOrDataset), name);
    return openCollection(this.host.slot(datasetId), name, optionsOrDataset);
  }

  dataset(id: DatasetId): DatasetHandle {
    const slot = this.host.slot(id);
    const buffer = () => {
      if (!slot.buffer) throw new SluiceError('invalid_options', `Dataset "${id}" is a documents dataset: append() needs { kind: 'append' } in its config.`, { datasetId: id });
      return slot.buffer;
    };
    return {
      id,
      collection: (name: string, options?: CollectionOptions) => openCollection(slot, name, options),
      append: (records) => buffer().append(records),
      flush: () => buffer().flush(),
      records: (after = null, limit = 1000) => slot.pipeline.readRecords(after, limit),
    };
  }

  /** Runs a sync round now for one dataset, or for all of them, and reports each peer's outcome. */
  async syncNow(datasetId?: DatasetId): Promise<RoundReport[]> {
    const targets = datasetId === undefined ? this.host.all() : [this.host.slot(datasetId)];
    return Promise.all(targets.map((s) => s.pipeline.syncNow()));
  }

  /**
   * Subscribes to node events; returns the unsubscribe function. Metrics events start with the
   * first listener and stop with the last, so an unobserved node does no polling.
   */
  on<K extends keyof NodeEvents>(event: K, listener: (payload: NodeEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** Tracks a peer for pruning: its confirmations then hold back this dataset's pruning. */
  trackPeer(datasetId: DatasetId, peerId: string): Promise<void> {
    return this.host.slot(datasetId).pipeline.managePeer('track', peerId).then(() => undefined);
  }

  /** Stops tracking a retired peer, so it no longer holds back pruning. Returns whether it was tracked. */
  untrackPeer(datasetId: DatasetId, peerId: string): Promise<boolean> {
    return this.host.slot(datasetId).pipeline.managePeer('untrack', peerId);
  }

  /** An inactive peer stays tracked but no longer holds back pruning. */
  setPeerActive(datasetId: DatasetId, peerId: string, active: boolean): Promise<boolean> {
    return this.host.slot(datasetId).pipeline.managePeer(active ? 'activate' : 'deactivate', peerId);
  }

  /** One dataset's documents, oplog, heads and boundaries. */
  exportSnapshot(datasetId: DatasetId): Promise<DatasetSnapshot> {
    return this.host.slot(datasetId).pipeline.exportSnapshot();
  }

  /** Every dataset, each exported by its own pipeline. */
  async exportAll(): Promise<MultiDatasetSnapshot> {
    const datasets: Record<DatasetId, DatasetSnapshot> = {};
    for (const slot of this.host.all()) datasets[slot.id] = await slot.pipeline.exportSnapshot();
    return { format: MULTI_SNAPSHOT_FORMAT, createdAt: Date.now(), datasets };
  }

  /** Imports into the snapshot's own dataset only; other datasets are not touched. */
  importSnapshot(snapshot: DatasetSnapshot, mode: SnapshotImportMode): Promise<void> {
    const datasetId = typeof snapshot?.datasetId === 'string' && snapshot.datasetId !== '' ? snapshot.datasetId : 'primary';
    return this.host.slot(datasetId).pipeline.importSnapshot(snapshot, mode);
  }

  /** Imports each dataset of a multi-dataset snapshot through its own pipeline; unknown datasets are refused first. */
  async importAll(snapshot: MultiDatasetSnapshot, mode: SnapshotImportMode): Promise<void> {
    if (snapshot?.format !== MULTI_SNAPSHOT_FORMAT || typeof snapshot.datasets !== 'object') {
      throw new SluiceError('invalid_snapshot', `Expected a multi-dataset snapshot ("${MULTI_SNAPSHOT_FORMAT}") as written by exportAll().`);
    }
    for (const id of Object.keys(snapshot.datasets)) this.host.slot(id);
    for (const [id, dataset] of Object.entries(snapshot.datasets)) await this.host.slot(id).pipeline.importSnapshot(dataset, mode);
  }

  /** Resolves once the dataset's sinks have been fed and checkpointed every change applied so far. */
  drainSinks(datasetId: DatasetId): Promise<void> {
    return this.host.slot(datasetId).pipeline.drainSinks();
  }

  /** Prunes one dataset now (each also prunes every maintenanceInterval). */
  maintainNow(datasetId: DatasetId): Promise<MaintenanceReport> {
    return this.host.slot(datasetId).pipeline.maintainNow();
  }

  /** Per-dataset counters, lag, peers and worker state. A dataset whose worker is restarting reports that instead of failing the call. */
  metrics(): Promise<Record<DatasetId, DatasetStatus>> {
    return this.host.metrics();
  }

  /**
   * Serves a peer that dialed in over `transport` (used by sluice/server). Its first frame must be
   * a handshake, authenticated here before anything reaches a pipeline; a dataset running in a
   * worker then gets the connection relayed to that worker, so its traffic is decoded and applied
   * there, never on this thread.
   */
  accept(transport: Transport, options: AcceptOptions = {}): void {
    if (this.closed) throw new SluiceError('store_closed', 'This node is closed.');
    this.servingOrFail().accept(transport, options);
  }

  /**
   * Takes a grant back from a JWT principal (its `sub`): `datasetId`, or every dataset when left
   * out. Its open connections to them close at once with 4403, and its clients' rounds then fail
   * with `dataset_not_granted`; a token issued before now no longer grants them, while a token
   * issued afterwards grants what its claims say. Kept in the node's storage, so a restarted hub
   * keeps refusing; over storage several hubs share, every hub refuses new connections and closes
   * its own. Resolves, once stored, to how many connections this hub closed.
   */
  async revoke(principalId: string, datasetId?: DatasetId): Promise<number> {
    if (typeof principalId !== 'string' || principalId === '') throw new SluiceError('invalid_options', 'revoke() needs the principal id: the sub of its JWTs.', { field: 'principalId' });
    if (datasetId !== undefined) assertDatasetId(datasetId);
    return this.servingOrFail().revoke(principalId, datasetId);
  }

  /**
   * Deletes this node's copy of a dataset and stops syncing it: its documents and history leave
   * the node's storage (writes not pushed yet go too), its pipeline closes, and it leaves
   * `datasetIds`; calls on it then fail with `invalid_dataset_id`. For data a user no longer holds,
   * e.g. on `dataset-revoked`. Configure it again in a later `createNode` to sync it from scratch.
   */
  async forget(datasetId: DatasetId): Promise<void> {
    assertDatasetId(datasetId);
    if (this.closed) throw new SluiceError('store_closed', 'This node is closed.');
    await this.host.forget(datasetId);
  }

  /** Checks auth options up front (a listener awaits this before it binds); rejects with `invalid_options`. */
  validateAuth(auth: AuthOptions): Promise<void> {
    return this.servingOrFail().authenticatorFor(auth).ready;
  }

  /** The worker proxy of a dataset, for tests and operators (undefined for in-process datasets). */
  workerOf(datasetId: DatasetId): WorkerPipeline | undefined {
    return this.host.slot(datasetId).worker;
  }

  /** Stops every pipeline, closes connections, then the storage. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopPipelines();
    await this.options.storage.close();
  }

  private async stopPipelines(): Promise<void> {
    this.events.stop();
    await this.host.stop();
    this.serving?.closeAll(4503, 'node shutting down');
  }

  private servingOrFail(): NodeServing {
    if (!this.serving) {
      throw new SluiceError('invalid_options', 'This node is a browser tab sharing its datasets with the other tabs: it dials peers but cannot accept them. Serve peers from a hub (sluice/server or `npx sluice hub`).');
    }
    return this.serving;
  }
}
