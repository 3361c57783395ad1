/*
 * Primary's real-time figure as a user sees it: a write in one tab, seen in another. Each tab
 * writes a probe document (its own key, a rising beat) every 250 ms and announces it on a
 * BroadcastChannel with the time it wrote it. The other tabs know at once what to expect, and time
 * the moment the synced document arrives through sluice (hub and back). Probes announced but not
 * yet arrived show as the pending age, so a stalled sync is visible while it is stalled, not only
 * once it recovers.
 */

const CHANNEL = 'sluice-demo-probes';
/** Latencies over this window make the percentiles. */
const WINDOW_MS = 10_000;

interface Announcement {
  readonly key: string;
  readonly beat: number;
  readonly sentAt: number;
}

export interface TabLatencySnapshot {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly samples: number;
  /** Age of the oldest probe announced by another tab and not seen through sync yet, ms (0: none). */
  readonly pendingMs: number;
}

export class TabLatency {
  private readonly channel: BroadcastChannel;
  /** Per other tab's probe key, announced beats not yet seen: beat → sentAt. */
  private readonly expected = new Map<string, Map<number, number>>();
  private samples: { at: number; ms: number }[] = [];

  constructor(private readonly ownKey: string) {
    this.channel = new BroadcastChannel(CHANNEL);
    this.channel.onmessage = (event: MessageEvent<Announcement>) => {
      const a = event.data;
      if (!a || typeof a.key !== 'string' || a.key === this.ownKey || typeof a.beat !== 'number' || typeof a.sentAt !== 'number') return;
      let beats = this.expected.get(a.key);
      if (!beats) this.expected.set(a.key, (beats = new Map()));
      beats.set(a.beat, a.sentAt);
      // A tab that went away leaves its last beats behind: keep the map bounded.
      if (beats.size > 400) beats.delete(beats.keys().next().value!);
    };
  }

  /** This tab wrote probe `beat` at `sentAt` (ms on the shared clock): tell the other tabs. */
  wrote(beat: number, sentAt: number): void {
    this.channel.postMessage({ key: this.ownKey, beat, sentAt } satisfies Announcement);
  }

  /** A probe document arrived through sync: every announced beat up to it is now visible here. */
  seen(key: string, beat: number, now = clock()): void {
    const beats = this.expected.get(key);
    if (!beats) return;
    for (const [b, sentAt] of beats) {
      if (b > beat) continue;
      this.samples.push({ at: now, ms: Math.max(0, now - sentAt) });
      beats.delete(b);
    }
  }

  snapshot(now = clock()): TabLatencySnapshot {
    this.samples = this.samples.filter((s) => now - s.at <= WINDOW_MS);
    const sorted = this.samples.map((s) => s.ms).sort((a, b) => a - b);
    const at = (q: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    let oldest = now;
    for (const beats of this.expected.values()) for (const sentAt of beats.values()) oldest = Math.min(oldest, sentAt);
    return { p50: at(0.5), p95: at(0.95), samples: sorted.length, pendingMs: now - oldest };
  }

  /** Forget a tab that stopped announcing (closed): its last probes will never arrive. */
  forgetSilent(now = clock(), silentMs = 30_000): void {
    for (const [key, beats] of this.expected) {
      let newest = 0;
      for (const sentAt of beats.values()) newest = Math.max(newest, sentAt);
      if (beats.size === 0 || now - newest > silentMs) this.expected.delete(key);
    }
  }

  close(): void {
    this.channel.close();
  }
}

/** Milliseconds on the clock every tab of this machine shares. */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}
