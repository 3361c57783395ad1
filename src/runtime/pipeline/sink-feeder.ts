import type { DatasetKind } from '../../core/dataset-options.ts';
import { compareHlc, compareStamp, type Hlc } from '../../core/hlc.ts';
import type { JsonValue } from '../../core/json.ts';
import type { OplogEntry } from '../../core/oplog-entry.ts';
import type { SinkConfig, SinkRecord } from '../../pipeline/sinks/sink-api.ts';
import { sinkCollections } from '../../pipeline/sinks/sink-config.ts';
import { SinkRunner } from '../../pipeline/sinks/sink-runner.ts';
import type { DatasetStore } from '../../store/storage-adapter.ts';
import { backoffDelay } from '../../sync/backoff.ts';

/** Per author, the newest entry the sink has been given. Stored as the sink checkpoint's position. */
type Cursor = Record<string, { wall: number; logic: number; hash: string }>;

export interface SinkFeederStats {
  readonly name: string;
  readonly recordsFed: number;
  readonly barriers: number;
  readonly restarts: number;
  readonly lastError: string | null;
  /** Entries applied to the dataset that the sink has not been given yet. */
  readonly behind: number;
}

export interface SinkFeederOptions {
  /** Records between durable barriers. Default 1000. */
  readonly barrierEvery?: number;
  /** Longest time between barriers while records flow, ms. Default 1000. */
  readonly barrierIntervalMs?: number;
  /** Entries read per step. Default 500. */
  readonly batch?: number;
}

/**
 * Feeds one sink from its dataset's oplog. The sink has its own cursor (per author, like a vector
 * clock), so it never sits in the apply path: a slow writer holds back only this feeder, never sync.
 * Each author's chain is applied in order, so "entries after the cursor" is exactly what the sink
 * has not seen, and after a crash the feeder replays from the last durable checkpoint. Records carry
 * the document's current state, so replays converge on idempotent sinks. At every durable barrier
 * the cursor is also recorded as the watermark of a tracked pseudo-peer `sink.<name>`: pruning can
 * then never delete entries a sink has not checkpointed.
 */
export class SinkFeeder {
  private runner: SinkRunner | undefined;
  private cursor: Cursor = {};
  private pumping: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private sinceBarrier = 0;
  private lastBarrierAt = Date.now();
  private recordsFed = 0;
  private barriers = 0;
  private restarts = 0;
  private failures = 0;
  private lastError: string | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly barrierEvery: number;
  private readonly barrierIntervalMs: number;
  private readonly batch: number;
  private readonly collections: ReadonlySet<string> | undefined;

  constructor(
    private readonly config: SinkConfig,
    private readonly store: DatasetStore,
    private readonly kind: DatasetKind,
    options: SinkFeederOptions = {},
  ) {
    this.barrierEvery = options.barrierEvery ?? 1_000;
    this.barrierIntervalMs = options.barrierIntervalMs ?? 1_000;
    this.batch = options.batch ?? 500;
    this.collections = sinkCollections(config);
  }

  get peerId(): string {
    return `sink.${this.config.name}`;
  }

  /** Opens the writers (refusing a changed bucket count), then catches up from the checkpoint. */
  async start(): Promise<void> {
    await this.store.confirmations.registerPeer(this.peerId, { address: 'sink' });
    await this.open();
    this.wake();
  }

  /** New entries were applied: feed them soon. */
  wake(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Waits until everything applied so far has been fed and checkpointed. */
  async drain(): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      await this.pumping;
      if (this.runner && (await this.pending()) === 0) {
        if (this.sinceBarrier > 0) await this.barrier();
        return;
      }
      if (!this.pumping) this.wake();
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async stats(): Promise<SinkFeederStats> {
    return { name: this.config.name, recordsFed: this.recordsFed, barriers: this.barriers, restarts: this.restarts, lastError: this.lastError, behind: await this.pending() };
  }

  metrics(): ReturnType<SinkRunner['metrics']> | undefined {
    return this.runner?.metrics();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.pumping?.catch(() => undefined);
    if (this.runner && this.sinceBarrier > 0) await this.barrier().catch(() => undefined);
    await this.runner?.close().catch(() => undefined);
    this.runner = undefined;
  }

  private async open(): Promise<void> {
    this.runner = await SinkRunner.open(this.config, this.store.checkpoints);
    const position = this.runner.checkpoint()?.position;
    this.cursor = isCursor(position) ? { ...position } : {};
    this.sinceBarrier = 0;
  }

  private async pump(): Promise<void> {
    if (!this.runner || this.closed) return;
    try {
      for (;;) {
        const entries = await this.nextEntries();
        if (entries.length === 0) break;
        const fed = this.collections ? entries.filter((e) => this.collections!.has(e.collection)) : entries;
        if (fed.length > 0) await this.runner.push(await this.toRecords(fed));
        // The cursor passes the others too: they are done for this sink.
        for (const e of entries) this.cursor[e.hlc.nodeId] = { wall: e.hlc.wall, logic: e.hlc.logic, hash: e.hash };
        this.recordsFed += fed.length;
        this.sinceBarrier += entries.length;
        if (this.sinceBarrier >= this.barrierEvery || Date.now() - this.lastBarrierAt >= this.barrierIntervalMs) await this.barrier();
        if (this.closed) return;
      }
      this.failures = 0;
    } catch (error) {
      await this.recover(error);
    }
  }

  /** A barrier makes the checkpoint durable once every writer acknowledged it; then pruning may pass it. */
  private async barrier(): Promise<void> {
    const position = { ...this.cursor };
    await this.runner!.barrier(position);
    this.sinceBarrier = 0;
    this.lastBarrierAt = Date.now();
    this.barriers++;
    for (const [author, head] of Object.entries(position)) {
      await this.store.confirmations.confirm(this.peerId, author, { wall: head.wall, logic: head.logic, nodeId: author }, head.hash);
    }
  }

  /** A writer failed: drop the writers, reopen them and replay from the last durable checkpoint. */
  private async recover(error: unknown): Promise<void> {
    this.lastError = (error as Error)?.message ?? String(error);
    this.failures++;
    await this.runner?.close().catch(() => undefined);
    this.runner = undefined;
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.restarts++;
      this.open().then(
        () => this.wake(),
        (e: unknown) => void this.recover(e),
      );
    }, backoffDelay(this.failures) / 10);
  }

  /** The oldest entries after the cursor, across authors in HLC order. */
  private async nextEntries(): Promise<OplogEntry[]> {
    const heads = await this.store.oplog.heads();
    const found: OplogEntry[] = [];
    for (const head of heads) {
      const at = this.cursor[head.nodeId];
      if (at && compareStamp(at, head.hlc) >= 0) continue;
      const after: Hlc | null = at ? { wall: at.wall, logic: at.logic, nodeId: head.nodeId } : null;
      found.push(...(await this.store.oplog.entriesByAuthorAfter(head.nodeId, after, { limit: this.batch })));
    }
    return found.sort((a, b) => compareHlc(a.hlc, b.hlc)).slice(0, this.batch);
  }

  private async pending(): Promise<number> {
    let behind = 0;
    for (const head of await this.store.oplog.heads()) {
      const at = this.cursor[head.nodeId];
      if (!at || compareStamp(at, head.hlc) < 0) behind++;
    }
    return behind;
  }

  /** Current document states for the entries' keys (one record per key), or the batches of an append dataset. */
  private async toRecords(entries: OplogEntry[]): Promise<SinkRecord[]> {
    if (this.kind === 'append') {
      return entries.map((e) => ({ datasetId: this.store.datasetId, collection: e.collection, key: e.key, op: 'put', value: JSON.parse(e.payload ?? 'null') as JsonValue, hlc: e.hlc, hash: e.hash }));
    }
    const last = new Map<string, OplogEntry>();
    for (const e of entries) {
      const k = `${e.collection}\u0000${e.key}`;
      last.delete(k); // keep the order of each key's latest change
      last.set(k, e);
    }
    const list = [...last.values()];
    const docs = await this.store.documents.getMany(list.map((e) => ({ collection: e.collection, key: e.key })));
    return list.map((e, i) => {
      const doc = docs[i];
      const gone = doc === undefined || doc.deleted;
      return { datasetId: this.store.datasetId, collection: e.collection, key: e.key, op: gone ? 'delete' : 'put', value: gone ? null : (doc.value as JsonValue), hlc: e.hlc, hash: e.hash };
    });
  }
}

function isCursor(value: unknown): value is Cursor {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
