import type { DatasetId } from '../core/dataset-id.ts';
import { compareHlc } from '../core/hlc.ts';
import { entryByteSize, type OplogEntry } from '../core/oplog-entry.ts';
import type { AuthorHead } from '../store/oplog-store.ts';
import type { Connection } from './connection.ts';
import { sealOutgoing, type ChainSigner } from './signatures.ts';

/** Close code for a peer that stopped reading: it catches up by pulling once it reconnects. */
const TOO_SLOW = 4429;
/** Commits up to this size travel inside the notice; larger ones are pulled. */
const MAX_CARRIED_BYTES = 64 * 1024;

/**
 * Live push, acceptor side: when the dataset commits entries (written here, pushed by a client, or
 * pulled from our own hub), every live connection hears which heads advanced. Small commits travel
 * inside the notice, sealed like any outgoing batch (each author's last entry signed), and a peer
 * applies them when they link to what it holds; otherwise, and for large commits, it pulls, on the
 * same verified and bounded path as catch-up, at its own pace. The peer that pushed the entries
 * already holds them and ignores the notice. Commits within one turn of the event loop share one.
 *
 * Flow control is per connection and credit-based: a peer gives a window of notices with entries
 * in its handshake and returns credit as it handles them. Without credit it gets heads only (a few
 * dozen bytes) and pulls; one that stops reading altogether is closed once its socket holds more
 * than a frame, so nothing is ever buffered for a slow peer without bound.
 */
export class HeadsAnnouncer {
  private readonly heads = new Map<string, AuthorHead>();
  private entries: OplogEntry[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(
    private readonly datasetId: DatasetId,
    private readonly connections: () => Iterable<Connection>,
    /** A connection with more than this still unsent is not read by its peer: it is closed. */
    private readonly maxBufferedBytes: number,
    /** Signs this node's own entries at the end of what a notice carries; undefined with signing off. */
    private readonly signer: () => ChainSigner | undefined,
  ) {}

  committed(entries: readonly OplogEntry[]): void {
    for (const e of entries) {
      const known = this.heads.get(e.hlc.nodeId);
      if (known === undefined || compareHlc(e.hlc, known.hlc) > 0) this.heads.set(e.hlc.nodeId, { nodeId: e.hlc.nodeId, hlc: e.hlc, hash: e.hash });
      if (this.bytes <= MAX_CARRIED_BYTES) {
        this.entries.push(e);
        this.bytes += entryByteSize(e);
      }
    }
    if (this.scheduled || this.heads.size === 0) return;
    this.scheduled = true;
    queueMicrotask(() => void this.flush().catch(() => undefined));
  }

  /**
   * Heads that moved without their entries at hand (another hub committed more than it is worth
   * reading back): live peers hear the heads and pull.
   */
  advanced(heads: readonly AuthorHead[]): void {
    for (const h of heads) {
      const known = this.heads.get(h.nodeId);
      if (known === undefined || compareHlc(h.hlc, known.hlc) > 0) this.heads.set(h.nodeId, h);
    }
    // Nothing of this flush is carried: what it would carry is incomplete.
    this.bytes = Number.POSITIVE_INFINITY;
    if (this.scheduled || this.heads.size === 0) return;
    this.scheduled = true;
    queueMicrotask(() => void this.flush().catch(() => undefined));
  }

  private async flush(): Promise<void> {
    const heads = [...this.heads.values()];
    const carried = this.bytes <= MAX_CARRIED_BYTES ? this.entries : [];
    this.heads.clear();
    this.entries = [];
    this.bytes = 0;
    this.scheduled = false;
    const sealed = carried.length === 0 ? [] : await sealOutgoing(carried.sort((a, b) => compareHlc(a.hlc, b.hlc)), this.signer());
    // Carried whole or not at all: a notice never asks its reader to verify a partial commit.
    const message = { kind: 'headsAdvanced' as const, datasetId: this.datasetId, heads, entries: sealed.length === carried.length ? sealed : [] };
    const headsOnly = message.entries.length === 0 ? message : { ...message, entries: [] };
    for (const connection of this.connections()) {
      // Only connections whose handshake completed are live.
      if (!connection.isOpen || connection.peerNodeId === '' || !connection.wantsNotices) continue;
      if (connection.bufferedAmount > this.maxBufferedBytes) {
        connection.close(TOO_SLOW, 'peer is not reading: reconnect and catch up by pulling');
        continue;
      }
      // Credit-based flow control: entries ride only while the peer has credit; a peer that has not
      // caught up with what it was sent hears the heads, and pulls at its own pace.
      const carries = message.entries.length > 0 && connection.takeNoticeCredit();
      connection.notify(carries ? message : headsOnly).catch(() => undefined);
    }
  }
}
