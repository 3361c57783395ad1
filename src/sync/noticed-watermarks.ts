import { compareHlc, type Hlc } from '../core/hlc.ts';
import type { AuthorHead } from '../store/oplog-store.ts';

/**
 * How often watermarks learned from notices are written: one transaction per peer, off the path of
 * live delivery. Pruning and health (lag threshold 30 s) read them on a scale of tens of seconds;
 * an author the peer has no watermark for yet is confirmed within a second, as health reports it.
 */
const CONFIRM_NOTICED_MS = 10_000;
const CONFIRM_NEW_AUTHOR_MS = 1_000;

/**
 * The heads a peer's notices announced, which it therefore holds: gathered and written as its
 * watermarks together, later, instead of one write per notice.
 */
export class NoticedWatermarks {
  /** Per author, the newest head already written: only newer ones are written again. */
  private readonly written = new Map<string, Hlc>();
  private readonly pending = new Map<string, AuthorHead>();
  /** Per author, the newest head the peer announced on this connection. */
  private readonly latest = new Map<string, AuthorHead>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private due = 0;

  constructor(private readonly write: (heads: AuthorHead[]) => Promise<void>) {}

  /** What the peer is known to hold from its notices: a round never pushes it back. */
  heads(): AuthorHead[] {
    return [...this.latest.values()];
  }

  noticed(heads: readonly AuthorHead[]): void {
    for (const h of heads) {
      const newest = this.latest.get(h.nodeId);
      if (newest === undefined || compareHlc(h.hlc, newest.hlc) > 0) this.latest.set(h.nodeId, h);
      const known = this.pending.get(h.nodeId)?.hlc ?? this.written.get(h.nodeId);
      if (known === undefined || compareHlc(h.hlc, known) > 0) this.pending.set(h.nodeId, h);
    }
    if (this.pending.size === 0) return;
    // An author with no watermark yet leaves health degraded: write it soon. Others can wait.
    const delay = heads.some((h) => !this.written.has(h.nodeId)) ? CONFIRM_NEW_AUTHOR_MS : CONFIRM_NOTICED_MS;
    const due = Date.now() + delay;
    if (this.timer) {
      if (this.due <= due) return;
      clearTimeout(this.timer);
    }
    this.due = due;
    this.timer = setTimeout(() => this.flush(), delay);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Drops what is pending: the next round learns it again. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const heads = [...this.pending.values()];
    this.pending.clear();
    this.write(heads).then(
      () => {
        for (const h of heads) this.written.set(h.nodeId, h.hlc);
      },
      () => undefined,
    );
  }
}
