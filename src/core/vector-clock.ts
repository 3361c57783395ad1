import { compareHlc, compareStamp, ZERO_HLC, type Hlc } from './hlc.ts';

export type ClockOrder = 'equal' | 'ahead' | 'behind' | 'concurrent';

/**
 * Per dataset: author nodeId -> newest HLC seen from that author (the head of its chain).
 * A missing author compares as the zero timestamp.
 */
export class VectorClock {
  private readonly heads = new Map<string, Hlc>();

  constructor(entries?: Iterable<Hlc>) {
    if (entries) for (const t of entries) this.observe(t);
  }

  static fromRecord(record: Readonly<Record<string, Hlc>>): VectorClock {
    const clock = new VectorClock();
    for (const [nodeId, t] of Object.entries(record)) clock.heads.set(nodeId, t);
    return clock;
  }

  /** Advance the author's head if `t` is newer; older timestamps are ignored. */
  observe(t: Hlc): void {
    const current = this.heads.get(t.nodeId);
    if (current === undefined || compareHlc(t, current) > 0) this.heads.set(t.nodeId, t);
  }

  get(nodeId: string): Hlc {
    return this.heads.get(nodeId) ?? { ...ZERO_HLC, nodeId };
  }

  has(nodeId: string): boolean {
    return this.heads.has(nodeId);
  }

  authors(): string[] {
    return [...this.heads.keys()].sort();
  }

  toRecord(): Record<string, Hlc> {
    const out: Record<string, Hlc> = {};
    for (const nodeId of this.authors()) out[nodeId] = this.heads.get(nodeId)!;
    return out;
  }

  /** How this clock relates to `other`: ahead means we have seen strictly more. */
  compare(other: VectorClock): ClockOrder {
    let ahead = false;
    let behind = false;
    for (const nodeId of new Set([...this.heads.keys(), ...other.heads.keys()])) {
      const c = compareStamp(this.get(nodeId), other.get(nodeId));
      if (c > 0) ahead = true;
      else if (c < 0) behind = true;
      if (ahead && behind) return 'concurrent';
    }
    if (ahead) return 'ahead';
    if (behind) return 'behind';
    return 'equal';
  }

  /** Authors for which `remote` has newer entries than we do: pull these. */
  authorsToPull(remote: VectorClock): string[] {
    return remote.authors().filter((nodeId) => compareStamp(remote.get(nodeId), this.get(nodeId)) > 0);
  }

  /** Authors for which we have newer entries than `remote`: push these. */
  authorsToPush(remote: VectorClock): string[] {
    return this.authors().filter((nodeId) => compareStamp(this.get(nodeId), remote.get(nodeId)) > 0);
  }
}

