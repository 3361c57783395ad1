import { compareStamp, type Hlc } from '../core/hlc.ts';
import type { AuthorHead } from '../store/oplog-store.ts';

const WINDOW = 2_048;
const PENDING_LIMIT = 100_000;

/** Rolling percentile window of recent samples (ms). */
class Samples {
  private readonly values: number[] = [];
  private next = 0;

  add(ms: number): void {
    if (this.values.length < WINDOW) this.values.push(ms);
    else this.values[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
  }

  percentiles(): { p50: number | null; p95: number | null; samples: number } {
    if (this.values.length === 0) return { p50: null, p95: null, samples: 0 };
    const sorted = [...this.values].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { p50: at(0.5), p95: at(0.95), samples: sorted.length };
  }
}

export interface LagSnapshot {
  /** Local write → acknowledged by a peer that applied it. */
  readonly ack: { p50: number | null; p95: number | null; samples: number };
  /** Remote write (its HLC wall time) → applied here. Includes clock skew between the nodes. */
  readonly apply: { p50: number | null; p95: number | null; samples: number };
  /** How long the oldest local write no peer has acknowledged has waited (ms); null when none waits. */
  readonly unackedMs: number | null;
}

/**
 * Sync lag of one dataset. Own writes wait in a queue (in HLC order) until an ack says a peer has
 * applied our chain up to them; remote entries are measured when applied.
 */
export class LagTracker {
  private readonly pending: { wall: number; logic: number; at: number }[] = [];
  private head = 0;
  private readonly ack = new Samples();
  private readonly apply = new Samples();

  constructor(
    private readonly nodeId: string,
    private readonly now: () => number = Date.now,
  ) {}

  wrote(hlcs: readonly Hlc[]): void {
    const at = this.now();
    for (const t of hlcs) this.pending.push({ wall: t.wall, logic: t.logic, at });
    // Without a peer nothing is ever acked: keep memory bounded by forgetting the oldest.
    if (this.pending.length - this.head > PENDING_LIMIT) this.head = this.pending.length - PENDING_LIMIT;
    this.compact();
  }

  acked(applied: readonly AuthorHead[]): void {
    const own = applied.find((h) => h.nodeId === this.nodeId);
    if (!own) return;
    const at = this.now();
    while (this.head < this.pending.length) {
      const p = this.pending[this.head]!;
      if (compareStamp(p, own.hlc) > 0) break;
      this.ack.add(at - p.at);
      this.head++;
    }
    this.compact();
  }

  applied(walls: readonly number[]): void {
    const at = this.now();
    for (const wall of walls) this.apply.add(Math.max(0, at - wall));
  }

  snapshot(): LagSnapshot {
    const oldest = this.pending[this.head];
    return { ack: this.ack.percentiles(), apply: this.apply.percentiles(), unackedMs: oldest === undefined ? null : Math.max(0, this.now() - oldest.at) };
  }

  private compact(): void {
    if (this.head > 4_096 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
  }
}
