import type { DatasetId } from '../../core/dataset-id.ts';
import { SluiceError } from '../../core/errors.ts';
import type { Hlc } from '../../core/hlc.ts';
import type { JsonValue } from '../../core/json.ts';
import type { IngestOutcome } from '../../pipeline/append-buffer.ts';
import type { RecordBatch } from '../../pipeline/record-batch.ts';
import type { QueryExplanation } from '../../store/query/plan.ts';
import type { NormalizedQuery } from '../../store/query/query-spec.ts';
import type { DatasetSnapshot, SnapshotImportMode } from '../../store/snapshot-store.ts';
import type { RoundReport } from '../../sync/dataset-orchestrator.ts';
import type { MaintenanceReport } from '../../sync/maintenance.ts';
import type { LocalOp } from '../../sync/replica.ts';
import type { DatasetRevoked, DocumentChange, PeerOp, PipelineApi, PipelineStatus, RecordPage } from '../pipeline/pipeline-api.ts';
import { deserializeError } from '../worker/error-transfer.ts';
import type { WorkerPipelineConfig } from '../worker/worker-config.ts';
import { WorkerPipeline, type WorkerStatus } from '../worker/worker-pipeline.ts';
import type { SharedMethod, TabMessage } from './tab-messages.ts';

interface Pending {
  readonly m: SharedMethod;
  readonly a: unknown[];
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** The epoch it was last sent to; it is sent again to every new leader until answered. */
  sentTo: string | null;
}

export interface TabPipelineOptions {
  /** Channel and Web Lock name: one per storage and dataset, so every tab of the origin meets on it. */
  readonly name: string;
  readonly config: WorkerPipelineConfig;
  readonly startWorker: (config: WorkerPipelineConfig) => WorkerPipeline;
  /** Called when a new leader takes over: changes committed around the handover may not have been broadcast. */
  readonly onLeaderChange?: () => void;
}

/**
 * One dataset, shared by every tab of the origin. This tab is always a client: its calls go over a
 * BroadcastChannel to the leader's dataset worker and are answered there. It also queues for the
 * dataset's Web Lock; while it holds the lock it is the leader, and runs the dataset worker (the
 * one storage writer and the one connection of the origin) until it closes or the page is frozen.
 *
 * A call not yet answered when its leader goes away is sent again to the next leader, so a write
 * resolves once a leader has committed it, never lost with a closed tab. A write whose commit
 * happened but whose answer was lost is applied twice: the same values again, as a second change.
 */
export class TabPipeline implements PipelineApi {
  private readonly channel: BroadcastChannel;
  private readonly tab = crypto.randomUUID();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private leader: { epoch: string; nodeId: string } | null = null;
  private readonly leaderKnown: Promise<string>;
  private resolveLeader!: (nodeId: string) => void;
  private listener: ((changes: DocumentChange[]) => void) | null = null;
  private revokedListener: ((event: DatasetRevoked) => void) | null = null;
  /** Index declarations made here, declared again to every new leader (its worker plans queries). */
  private readonly declarations = new Map<string, string[][]>();
  private hosted: WorkerPipeline | undefined;
  private releaseLock: (() => void) | undefined;
  private closed = false;
  /** Queued for (or holding) the lock. */
  private campaigning = false;
  private rejectStart: ((error: Error) => void) | undefined;
  private readonly detachLifecycle: () => void;

  constructor(
    readonly datasetId: DatasetId,
    private readonly options: TabPipelineOptions,
  ) {
    this.leaderKnown = new Promise((resolve) => (this.resolveLeader = resolve));
    this.channel = new BroadcastChannel(options.name);
    this.channel.onmessage = (event: MessageEvent<TabMessage>) => this.receive(event.data);
    this.detachLifecycle = this.watchLifecycle();
  }

  /** Joins: asks who leads, and queues for leadership. Resolves with the node id once a leader answers. */
  start(): Promise<string> {
    this.channel.postMessage({ t: 'hello' } satisfies TabMessage);
    // A worker that fails to start in this tab fails this node's start, as an unshared one would.
    const failed = new Promise<never>((_, reject) => (this.rejectStart = reject));
    this.campaign();
    return Promise.race([this.leaderKnown, failed]);
  }

  workerStatus(): WorkerStatus {
    return this.hosted?.workerStatus() ?? { state: 'other-tab', restarts: 0, lastCrash: null };
  }

  write(ops: LocalOp[]): Promise<void> {
    return this.call('write', ops) as Promise<void>;
  }
  ingest(batch: RecordBatch, collection: string): Promise<IngestOutcome> {
    return this.call('ingest', batch, collection) as Promise<IngestOutcome>;
  }
  get(collection: string, key: string): Promise<JsonValue | undefined> {
    return this.call('get', collection, key) as Promise<JsonValue | undefined>;
  }
  list(collection: string): Promise<{ key: string; value: JsonValue }[]> {
    return this.call('list', collection) as Promise<{ key: string; value: JsonValue }[]>;
  }
  declareIndexes(collection: string, indexes: string[][]): Promise<void> {
    this.declarations.set(collection, [...(this.declarations.get(collection) ?? []), ...indexes]);
    return this.call('declareIndexes', collection, indexes) as Promise<void>;
  }
  query(collection: string, query: NormalizedQuery): Promise<{ key: string; value: JsonValue }[]> {
    return this.call('query', collection, query) as Promise<{ key: string; value: JsonValue }[]>;
  }
  explain(collection: string, query: NormalizedQuery): Promise<QueryExplanation> {
    return this.call('explain', collection, query) as Promise<QueryExplanation>;
  }
  readRecords(after: Hlc | null, limit: number): Promise<RecordPage> {
    return this.call('readRecords', after, limit) as Promise<RecordPage>;
  }
  syncNow(): Promise<RoundReport> {
    return this.call('syncNow') as Promise<RoundReport>;
  }
  maintainNow(): Promise<MaintenanceReport> {
    return this.call('maintainNow') as Promise<MaintenanceReport>;
  }
  status(): Promise<PipelineStatus> {
    return this.call('status') as Promise<PipelineStatus>;
  }
  managePeer(op: PeerOp, peerId: string): Promise<boolean> {
    return this.call('managePeer', op, peerId) as Promise<boolean>;
  }
  drainSinks(): Promise<void> {
    return this.call('drainSinks') as Promise<void>;
  }
  exportSnapshot(): Promise<DatasetSnapshot> {
    return this.call('exportSnapshot') as Promise<DatasetSnapshot>;
  }
  importSnapshot(snapshot: DatasetSnapshot, mode: SnapshotImportMode): Promise<void> {
    return this.call('importSnapshot', snapshot, mode) as Promise<void>;
  }

  async setChangeListener(listener: ((changes: DocumentChange[]) => void) | null): Promise<void> {
    // Changes are broadcast to every tab; listening is local.
    this.listener = listener;
  }

  async setRevokedListener(listener: ((event: DatasetRevoked) => void) | null): Promise<void> {
    // Broadcast to every tab, like changes: each tab's node tells its own listeners.
    this.revokedListener = listener;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.detachLifecycle();
    await this.stepDown();
    this.channel.close();
    for (const p of this.pending.values()) p.reject(new SluiceError('store_closed', `The ${this.datasetId} dataset is closed in this tab.`));
    this.pending.clear();
  }

  private call(m: SharedMethod, ...a: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new SluiceError('store_closed', `The ${this.datasetId} dataset is closed in this tab.`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const p: Pending = { m, a, resolve, reject, sentTo: null };
      this.pending.set(id, p);
      if (this.leader) this.send(id, p, this.leader.epoch);
    });
  }

  private send(id: number, p: Pending, epoch: string): void {
    p.sentTo = epoch;
    try {
      this.channel.postMessage({ t: 'call', tab: this.tab, id, to: epoch, m: p.m, a: p.a } satisfies TabMessage);
    } catch (error) {
      // Not cloneable (a value structured clone refuses): nothing was sent.
      this.pending.delete(id);
      p.reject(new SluiceError('invalid_payload', `Cannot send ${p.m} to the tab that runs ${this.datasetId}: ${(error as Error).message}`));
    }
  }

  private receive(msg: TabMessage): void {
    if (msg === null || typeof msg !== 'object') return;
    switch (msg.t) {
      case 'leader': {
        const changed = this.leader !== null && this.leader.epoch !== msg.epoch;
        this.leader = { epoch: msg.epoch, nodeId: msg.nodeId };
        this.resolveLeader(msg.nodeId);
        for (const [id, p] of this.pending) if (p.sentTo !== msg.epoch) this.send(id, p, msg.epoch);
        if (changed) {
          for (const [collection, indexes] of this.declarations) void this.call('declareIndexes', collection, indexes).catch(() => undefined);
          this.options.onLeaderChange?.();
        }
        return;
      }
      case 'reply': {
        if (msg.tab !== this.tab) return;
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.v);
        else p.reject(deserializeError(msg.e));
        return;
      }
      case 'changes':
        if (this.leader?.epoch === msg.epoch) this.listener?.(msg.c);
        return;
      case 'revoked':
        if (this.leader?.epoch === msg.epoch) this.revokedListener?.(msg.e);
        return;
      default:
        return;
    }
  }

  /** Queues for the dataset's lock; holding it, runs the worker until this tab steps down. */
  private campaign(): void {
    if (this.closed || this.campaigning) return;
    this.campaigning = true;
    void navigator.locks
      .request(this.options.name, async () => {
        if (this.closed) return;
        const worker = this.options.startWorker({ ...this.options.config, share: { channel: this.options.name } });
        this.hosted = worker;
        const released = new Promise<void>((resolve) => (this.releaseLock = resolve));
        try {
          await worker.start();
        } catch (error) {
          this.rejectStart?.(error as Error);
          await this.stepDown();
          return;
        }
        this.rejectStart = undefined;
        await released;
      })
      .catch(() => undefined)
      .finally(() => {
        this.campaigning = false;
      });
  }

  private async stepDown(): Promise<void> {
    const worker = this.hosted;
    this.hosted = undefined;
    await worker?.close().catch(() => undefined);
    this.releaseLock?.();
    this.releaseLock = undefined;
  }

  /**
   * A frozen tab cannot answer: before the browser freezes it, it hands leadership on (its worker
   * stops, the lock goes to the next tab), and on resume it queues again.
   */
  private watchLifecycle(): () => void {
    if (typeof document === 'undefined') return () => undefined;
    // A frozen page runs no more tasks, so nothing here may wait: the worker is stopped outright
    // and the lock let go within this event.
    const onFreeze = () => {
      const worker = this.hosted;
      this.hosted = undefined;
      worker?.kill();
      this.releaseLock?.();
      this.releaseLock = undefined;
    };
    const onResume = () => {
      if (!this.hosted) this.campaign();
    };
    document.addEventListener('freeze', onFreeze);
    document.addEventListener('resume', onResume);
    return () => {
      document.removeEventListener('freeze', onFreeze);
      document.removeEventListener('resume', onResume);
    };
  }
}
