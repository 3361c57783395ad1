/*
 * Telemetry load on the page's main thread, in small time slices (every 10 ms), never a tight loop.
 * isolated: records go to dataset(id).append() (the pipelines run in workers).
 * shared: the same records are written as documents of primary with putMany, as an app without
 * datasets would (and as bench/isolation.ts does in its single mode); keys cycle so the document
 * count stays bounded while every write still goes through primary's oplog.
 */
import type { SyncNode } from 'sluice';
import { TELEMETRY, type PipelineMode, type TelemetryId } from './demo-node.ts';

const TICK_MS = 10;
/** Largest slice per tick and dataset, bursts included: keeps each tick short. */
const MAX_PER_TICK = 2_500;
/** Shared mode: putMany calls allowed in flight before the generator holds back (as an app would). */
const MAX_SHARED_BACKLOG = 20;
const SHARED_KEYS = 20_000;

export interface LoadCounters {
  /** Records handed to append() / putMany. */
  produced: number;
  /** Shared mode: records whose putMany resolved. */
  written: number;
  /** Records the generator held back: the pipeline pushed back (block policy, shared backlog). */
  heldBack: number;
}

export class TelemetryLoad {
  readonly rates: Record<TelemetryId, number> = { logs: 0, timeseries: 0 };
  readonly counters: Record<TelemetryId, LoadCounters> = { logs: fresh(), timeseries: fresh() };
  private readonly carry: Record<TelemetryId, number> = { logs: 0, timeseries: 0 };
  private readonly bursts: Record<TelemetryId, number> = { logs: 0, timeseries: 0 };
  private readonly blocked: Record<TelemetryId, boolean> = { logs: false, timeseries: false };
  private backlog = 0;
  private seq = 0;
  private last = performance.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private node: SyncNode | undefined;
  private mode: PipelineMode = 'isolated';

  /** Starts generating into `node` (or pauses with undefined while the node is recreated). */
  target(node: SyncNode | undefined, mode: PipelineMode): void {
    this.node = node;
    this.mode = mode;
    this.backlog = 0;
    this.blocked.logs = this.blocked.timeseries = false;
    this.last = performance.now();
    if (node && !this.timer) this.timer = setInterval(() => this.tick(), TICK_MS);
    if (!node && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  burst(id: TelemetryId, records: number): void {
    this.bursts[id] += records;
  }

  pendingBurst(id: TelemetryId): number {
    return this.bursts[id];
  }

  private tick(): void {
    const node = this.node;
    if (!node) return;
    const now = performance.now();
    // A throttled background tab does not catch up with a flood: at most 100 ms worth per tick.
    const elapsed = Math.min(100, now - this.last);
    this.last = now;
    const wall = Date.now();
    for (const id of TELEMETRY) {
      const due = this.rates[id] * (elapsed / 1000) + this.carry[id];
      let n = Math.floor(due);
      this.carry[id] = due - n;
      const fromBurst = Math.min(this.bursts[id], MAX_PER_TICK);
      this.bursts[id] -= fromBurst;
      n = Math.min(MAX_PER_TICK + fromBurst, n + fromBurst);
      if (n <= 0) continue;
      if (this.blocked[id] || (this.mode === 'shared' && this.backlog >= MAX_SHARED_BACKLOG)) {
        this.counters[id].heldBack += n;
        continue;
      }
      const records = id === 'logs' ? this.logs(n, wall) : this.points(n, wall);
      this.counters[id].produced += n;
      try {
        if (this.mode === 'isolated') this.append(node, id, records);
        else this.putShared(node, id, records);
      } catch {
        // the node is being replaced: drop this slice
      }
    }
  }

  private append(node: SyncNode, id: TelemetryId, records: object[]): void {
    const result = node.dataset(id).append(records);
    if (result instanceof Promise) {
      // block policy and a full buffer: hold the generator back until there is room.
      this.blocked[id] = true;
      void result.finally(() => (this.blocked[id] = false)).catch(() => undefined);
    }
  }

  private putShared(node: SyncNode, id: TelemetryId, records: { seq: number }[]): void {
    const prefix = id === 'logs' ? 'l' : 'p';
    const docs = records.map((r) => ({ key: `${prefix}${r.seq % SHARED_KEYS}`, value: r as never }));
    this.backlog++;
    node
      .collection(id === 'logs' ? 'logs' : 'points')
      .putMany(docs)
      .then(() => (this.counters[id].written += docs.length))
      .catch(() => undefined)
      .finally(() => this.backlog--);
  }

  private logs(n: number, ts: number): { seq: number }[] {
    const out = new Array<{ seq: number; ts: number; level: string; msg: string; route: string; ms: number }>(n);
    for (let i = 0; i < n; i++) out[i] = { seq: this.seq++, ts, level: i % 50 === 0 ? 'warn' : 'info', msg: 'request served', route: '/api/items', ms: 5 + (i % 40) };
    return out;
  }

  private points(n: number, ts: number): { seq: number }[] {
    const out = new Array<{ seq: number; ts: number; metric: string; host: string; v: number }>(n);
    for (let i = 0; i < n; i++) out[i] = { seq: this.seq++, ts, metric: 'cpu', host: `h${i % 16}`, v: i % 100 };
    return out;
  }
}

function fresh(): LoadCounters {
  return { produced: 0, written: 0, heldBack: 0 };
}
