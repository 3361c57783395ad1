import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import type { DatasetId } from '../../core/dataset-id.ts';
import { SluiceError } from '../../core/errors.ts';
import type { Hlc } from '../../core/hlc.ts';
import { assertJsonValue, type JsonValue } from '../../core/json.ts';
import { backoffDelay } from '../../sync/backoff.ts';
import type { RoundReport } from '../../sync/dataset-orchestrator.ts';
import type { MaintenanceReport } from '../../sync/maintenance.ts';
import type { PeerIdentity } from '../../sync/peer-identity.ts';
import type { LocalOp } from '../../sync/replica.ts';
import type { NormalizedQuery } from '../../store/query/query-spec.ts';
import type { QueryExplanation } from '../../store/query/plan.ts';
import type { DatasetSnapshot, SnapshotImportMode } from '../../store/snapshot-store.ts';
import { assertRecordsQuery, type DatasetRevoked, type DocumentChange, type PeerOp, type PipelineApi, type PipelineStatus, type RecordPage } from '../pipeline/pipeline-api.ts';
import type { IngestOutcome } from '../../pipeline/append-buffer.ts';
import type { RecordBatch } from '../../pipeline/record-batch.ts';
import type { WorkerService } from './serve-dataset-worker.ts';
// Resolved by the package's import conditions: a worker_threads Worker on Node, a Web Worker elsewhere.
import { spawnPipelineWorker } from '#sluice/spawn-worker';
import { registerErrorTransfer } from './error-transfer.ts';
import type { SpawnedWorker, SpawnPipelineWorker } from './spawned-worker.ts';
import type { WorkerPipelineConfig } from './worker-config.ts';

/** 'other-tab': the dataset is shared by the origin's tabs and another tab runs its worker. */
export type WorkerState = 'in-process' | 'starting' | 'running' | 'restarting' | 'stopped' | 'other-tab';

export interface WorkerStatus {
  readonly state: WorkerState;
  readonly restarts: number;
  readonly lastCrash: string | null;
}

/**
 * The node thread's thin proxy to a pipeline in a worker. Calls go through Comlink; append batches
 * are transferred, not copied. When the worker dies, calls in flight fail with `worker_crashed`
 * (their outcome is unknown; every apply is atomic and idempotent, so retrying is safe), and a new
 * worker is started with backoff and resumes from the dataset's durable storage.
 */
export class WorkerPipeline implements PipelineApi {
  private worker: SpawnedWorker | undefined;
  private remote: Comlink.Remote<WorkerService> | undefined;
  private ready: Promise<void> | undefined;
  private crashed: { promise: Promise<never>; reject(error: Error): void } = deferredFailure();
  private state: WorkerState = 'starting';
  private restarts = 0;
  private failuresInRow = 0;
  private lastCrash: string | null = null;
  private listener: ((changes: DocumentChange[]) => void) | null = null;
  private revokedListener: ((event: DatasetRevoked) => void) | null = null;
  /** Index declarations, made again to a restarted worker (its pipeline plans queries over them). */
  private readonly declarations = new Map<string, string[][]>();
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onCrash: (reason: string) => void;
  private readonly spawn: SpawnPipelineWorker;
  /** Tokens of peers whose token is a function, which cannot cross to the worker: it asks here. */
  private readonly tokens: ((peerIndex: number) => Promise<unknown>) | undefined;

  constructor(
    readonly datasetId: DatasetId,
    private readonly config: WorkerPipelineConfig,
    options: { onCrash?: (datasetId: DatasetId, reason: string) => void; spawn?: SpawnPipelineWorker; tokens?: (peerIndex: number) => Promise<unknown> } = {},
  ) {
    this.onCrash = (reason) => options.onCrash?.(datasetId, reason);
    this.spawn = options.spawn ?? spawnPipelineWorker;
    this.tokens = options.tokens;
  }

  start(): Promise<void> {
    this.ready = this.boot();
    return this.ready;
  }

  workerStatus(): WorkerStatus {
    return { state: this.state, restarts: this.restarts, lastCrash: this.lastCrash };
  }

  write(ops: LocalOp[]): Promise<void> {
    if (this.config.settings.options.kind === 'append') {
      // The worker refuses every put to an append dataset before looking at values: do not pay to
      // clone them (or fail cloning a pathological one) just to hear that.
      return this.call((r) => r.write(ops.map(({ value: _value, ...op }) => op)));
    }
    // Refuse what the worker would refuse (too deep, too large, not JSON) with the same error before
    // structured clone copies the value, or overflows the stack on it: a checking walk, no serialising.
    const stated = this.config.storage.maxPayloadBytes;
    const limits = typeof stated === 'number' && Number.isSafeInteger(stated) && stated > 0 ? { maxBytes: stated } : {};
    try {
      for (const op of ops) {
        if (op?.op === 'put' && op.value !== undefined) assertJsonValue(op.value, { ...limits, what: `document ${op.collection}/${op.key}` });
      }
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.call((r) => r.write(ops));
  }

  ingest(batch: RecordBatch, collection: string): Promise<IngestOutcome> {
    // Structured clone carries the records into the worker, which encodes them: this thread never serialises them.
    return this.call((r) => r.ingest(batch, collection));
  }

  get(collection: string, key: string): Promise<JsonValue | undefined> {
    return this.call((r) => r.get(collection, key) as Promise<JsonValue | undefined>);
  }

  list(collection: string): Promise<{ key: string; value: JsonValue }[]> {
    return this.call((r) => r.list(collection) as Promise<{ key: string; value: JsonValue }[]>);
  }

  declareIndexes(collection: string, indexes: string[][]): Promise<void> {
    this.declarations.set(collection, [...(this.declarations.get(collection) ?? []), ...indexes]);
    return this.call((r) => r.declareIndexes(collection, indexes));
  }

  query(collection: string, query: NormalizedQuery): Promise<{ key: string; value: JsonValue }[]> {
    return this.call((r) => r.query(collection, query) as Promise<{ key: string; value: JsonValue }[]>);
  }

  explain(collection: string, query: NormalizedQuery): Promise<QueryExplanation> {
    return this.call((r) => r.explain(collection, query));
  }

  readRecords(after: Hlc | null, limit: number): Promise<RecordPage> {
    try {
      assertRecordsQuery(after, limit);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.call((r) => r.readRecords(after, limit));
  }

  syncNow(): Promise<RoundReport> {
    return this.call((r) => r.syncNow());
  }

  managePeer(op: PeerOp, peerId: string): Promise<boolean> {
    return this.call((r) => r.managePeer(op, peerId));
  }

  drainSinks(): Promise<void> {
    return this.call((r) => r.drainSinks());
  }

  exportSnapshot(): Promise<DatasetSnapshot> {
    return this.call((r) => r.exportSnapshot() as Promise<DatasetSnapshot>);
  }

  importSnapshot(snapshot: DatasetSnapshot, mode: SnapshotImportMode): Promise<void> {
    return this.call((r) => r.importSnapshot(snapshot, mode));
  }

  maintainNow(): Promise<MaintenanceReport> {
    return this.call((r) => r.maintainNow());
  }

  status(): Promise<PipelineStatus> {
    return this.call((r) => r.status());
  }

  async setChangeListener(listener: ((changes: DocumentChange[]) => void) | null): Promise<void> {
    this.listener = listener;
    await this.call((r) => r.setChangeListener(listener ? Comlink.proxy(listener) : null));
  }

  async setRevokedListener(listener: ((event: DatasetRevoked) => void) | null): Promise<void> {
    this.revokedListener = listener;
    // A worker that is not running yet (or restarting) gets it when it boots.
    if (this.state !== 'running') return;
    await this.call((r) => r.setRevokedListener(listener ? Comlink.proxy(listener) : null));
  }

  /** Hands an authenticated peer connection to the worker: frames cross over `port`. */
  serve(port: MessagePort, remote: string, identity: PeerIdentity, heartbeatMs?: number): Promise<void> {
    return this.call((r) => r.serve(Comlink.transfer(port, [port]) as never, remote, identity, heartbeatMs));
  }

  /**
   * Makes the worker die from an uncaught error (crash tests).
   * @internal
   */
  async crashForTest(): Promise<void> {
    await this.ready;
    void this.remote?.crash();
  }

  /**
   * Stops the worker at once, without the orderly close: for a page about to be frozen, which runs
   * no more tasks to wait for one. Whatever the worker had not committed is rolled back by its
   * storage; calls in flight fail (a shared dataset's tabs send them again to the next leader).
   */
  kill(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.remote?.[Comlink.releaseProxy]();
    void this.worker?.terminate();
    this.crashed.reject(new SluiceError('store_closed', `The ${this.datasetId} pipeline was stopped.`));
  }

  async close(): Promise<void> {
    const previous = this.state;
    this.state = 'stopped';
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (previous === 'running') await this.remote?.close().catch(() => undefined);
    this.remote?.[Comlink.releaseProxy]();
    await this.worker?.terminate();
    this.crashed.reject(new SluiceError('store_closed', `The ${this.datasetId} pipeline is closed.`));
  }

  private async boot(): Promise<void> {
    this.crashed = deferredFailure();
    registerErrorTransfer();
    const worker = this.spawn();
    this.worker = worker;
    worker.onExit((reason) => this.handleExit(worker, reason));
    this.remote = Comlink.wrap<WorkerService>(worker.endpoint);
    await Promise.race([this.remote.start(this.config, this.tokens ? Comlink.proxy(this.tokens) : undefined), this.crashed.promise]);
    if (this.listener) await this.remote.setChangeListener(Comlink.proxy(this.listener));
    if (this.revokedListener) await this.remote.setRevokedListener(Comlink.proxy(this.revokedListener));
    for (const [collection, indexes] of this.declarations) await this.remote.declareIndexes(collection, indexes).catch(() => undefined);
    this.state = 'running';
    this.failuresInRow = 0;
  }

  private handleExit(worker: SpawnedWorker, reason: string): void {
    if (this.worker !== worker || this.state === 'stopped') return;
    this.lastCrash = reason;
    this.state = 'restarting';
    this.failuresInRow++;
    this.crashed.reject(new SluiceError('worker_crashed', `The ${this.datasetId} worker died (${reason}); it is being restarted. Retry the call.`, { datasetId: this.datasetId }));
    this.onCrash(reason);
    this.remote?.[Comlink.releaseProxy]();
    const delay = backoffDelay(this.failuresInRow);
    let resolveReady!: () => void;
    this.ready = new Promise<void>((resolve) => (resolveReady = resolve));
    this.restartTimer = setTimeout(() => {
      if (this.state === 'stopped') return;
      this.restarts++;
      this.boot().then(resolveReady, (error: unknown) => this.handleExit(this.worker!, (error as Error)?.message ?? String(error)));
    }, delay);
  }

  private async call<T>(fn: (remote: Comlink.Remote<WorkerService>) => Promise<T>): Promise<T> {
    if (this.state === 'stopped') throw new SluiceError('store_closed', `The ${this.datasetId} pipeline is closed.`);
    await this.ready;
    const remote = this.remote;
    if (!remote || this.state !== 'running') throw new SluiceError('worker_crashed', `The ${this.datasetId} worker is restarting. Retry the call.`, { datasetId: this.datasetId });
    return Promise.race([fn(remote), this.crashed.promise]);
  }
}

function deferredFailure(): { promise: Promise<never>; reject(error: Error): void } {
  let reject!: (error: Error) => void;
  const promise = new Promise<never>((_, r) => (reject = r));
  promise.catch(() => undefined); // observed by whoever races it; never an unhandled rejection
  return { promise, reject };
}
