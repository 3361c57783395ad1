import type { DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import { HybridClock } from '../core/hlc.ts';
import type { JsonValue } from '../core/json.ts';
import { ResolverRegistry } from '../core/resolvers/registry.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/frame.ts';
import { FrameCodec } from '../protocol/frame-codec.ts';
import type { Transport } from '../protocol/transport.ts';
import type { AuthOptions } from '../sync/auth.ts';
import { Connection } from '../sync/connection.ts';
import { DatasetOrchestrator, type PeerStatus, type RoundReport } from '../sync/dataset-orchestrator.ts';
import type { DatasetRuntime } from '../sync/dataset-runtime.ts';
import { newDatasetMetrics, type DatasetMetrics } from '../sync/metrics.ts';
import { DatasetReplica } from '../sync/replica.ts';
import { Responder, type ResponderContext } from '../sync/responder.ts';
import { openCollection, type Collection } from './collection.ts';
import type { NodeOptions, ResolvedDataset } from './node-options.ts';

export interface DatasetHandle {
  readonly id: DatasetId;
  collection<T extends JsonValue = JsonValue>(name: string): Collection<T>;
}

export interface DatasetStatus extends DatasetMetrics {
  readonly kind: string;
  readonly peers: PeerStatus[];
  readonly oplogEntries: number;
}

export interface AcceptOptions {
  readonly auth?: AuthOptions;
  readonly heartbeatMs?: number;
  readonly maxQueuedBytes?: number;
}

interface DatasetEntry {
  readonly runtime: DatasetRuntime;
  readonly orchestrator: DatasetOrchestrator;
}

/** A running sluice node: one replica and one sync loop per dataset. */
export class SyncNode {
  readonly nodeId: string;
  private readonly entries = new Map<DatasetId, DatasetEntry>();
  private readonly accepted = new Set<Connection>();
  private readonly maxFrameBytes: number;
  private closed = false;

  constructor(
    nodeId: string,
    private readonly options: NodeOptions,
    datasets: readonly ResolvedDataset[],
  ) {
    this.nodeId = nodeId;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const runtimes = new Map<DatasetId, DatasetRuntime>();
    const ctx: ResponderContext = { nodeId, datasets: runtimes, auth: options.auth ?? {} };
    for (const d of datasets) {
      if (!d.options.enabled) continue;
      const replica = new DatasetReplica({
        datasetId: d.datasetId,
        storage: options.storage,
        // Each dataset has its own clock state, like every other piece of sync state.
        clock: new HybridClock(nodeId, options.maxClockDriftMs === undefined ? {} : { maxClockDriftMs: options.maxClockDriftMs }),
        resolvers: new ResolverRegistry(d.resolvers),
      });
      const runtime: DatasetRuntime = { datasetId: d.datasetId, options: d.options, replica, metrics: newDatasetMetrics(), maxFrameBytes: this.maxFrameBytes };
      runtimes.set(d.datasetId, runtime);
      const orchestrator = new DatasetOrchestrator(runtime, ctx, options.peers ?? [], {
        maxFrameBytes: this.maxFrameBytes,
        ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      });
      replica.subscribe((event) => {
        if (event.origin === 'local') orchestrator.notifyLocalWrite();
      });
      this.entries.set(d.datasetId, { runtime, orchestrator });
    }
    this.responderContext = ctx;
  }

  private readonly responderContext: ResponderContext;

  /** Opens every dataset's replica, then starts the sync loops. */
  async start(): Promise<void> {
    for (const e of this.entries.values()) await e.runtime.replica.open();
    for (const e of this.entries.values()) e.orchestrator.start();
  }

  get datasetIds(): DatasetId[] {
    return [...this.entries.keys()];
  }

  collection<T extends JsonValue = JsonValue>(name: string, datasetId: DatasetId = 'primary'): Collection<T> {
    return openCollection<T>(this.entry(datasetId).runtime.replica, name);
  }

  dataset(id: DatasetId): DatasetHandle {
    const entry = this.entry(id);
    return { id, collection: <T extends JsonValue = JsonValue>(name: string) => openCollection<T>(entry.runtime.replica, name) };
  }

  /** Runs a sync round now for one dataset, or for all of them, and reports each peer's outcome. */
  async syncNow(datasetId?: DatasetId): Promise<RoundReport[]> {
    const targets = datasetId === undefined ? [...this.entries.values()] : [this.entry(datasetId)];
    return Promise.all(targets.map((e) => e.orchestrator.syncNow()));
  }

  async metrics(): Promise<Record<DatasetId, DatasetStatus>> {
    const out: Record<DatasetId, DatasetStatus> = {};
    for (const [id, e] of this.entries) {
      out[id] = {
        ...e.runtime.metrics,
        kind: e.runtime.options.kind,
        peers: e.orchestrator.status(),
        oplogEntries: await e.runtime.replica.store.oplog.count(id),
      };
    }
    return out;
  }

  /** Serves a peer that dialed in over `transport` (used by sluice/server). */
  accept(transport: Transport, options: AcceptOptions = {}): Connection {
    if (this.closed) throw new SluiceError('store_closed', 'This node is closed.');
    const ctx: ResponderContext = options.auth ? { ...this.responderContext, auth: options.auth } : this.responderContext;
    const responder = new Responder(ctx, 'acceptor');
    const connection = new Connection(transport, {
      role: 'acceptor',
      codec: new FrameCodec({ maxFrameBytes: this.maxFrameBytes }),
      onRequest: responder.handle,
      heartbeatMs: options.heartbeatMs ?? this.options.heartbeatMs ?? 15_000,
      ...(options.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: options.maxQueuedBytes }),
    });
    this.accepted.add(connection);
    void connection.closed.then(() => this.accepted.delete(connection));
    return connection;
  }

  /** Stops every loop, closes connections, then the storage. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.entries.values()].map((e) => e.orchestrator.stop()));
    for (const c of this.accepted) c.close(4503, 'node shutting down');
    await this.options.storage.close();
  }

  private entry(datasetId: DatasetId): DatasetEntry {
    const entry = this.entries.get(datasetId);
    if (!entry) {
      throw new SluiceError('invalid_dataset_id', `Dataset "${datasetId}" is not configured on this node (configured: ${this.datasetIds.join(', ')}). Add it under datasets in createNode().`, { datasetId });
    }
    return entry;
  }
}
