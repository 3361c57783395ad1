import type { DatasetId } from '../core/dataset-id.ts';
import { compareHlc } from '../core/hlc.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';
import type { AuthorHead } from '../store/oplog-store.ts';
import type { Connection } from './connection.ts';

/** Close code for a peer that stopped reading: it catches up by pulling once it reconnects. */
const TOO_SLOW = 4429;

/**
 * Live push, acceptor side: when the dataset commits entries (written here, pushed by a client, or
 * pulled from our own hub), every live connection hears which heads advanced, and a peer behind
 * them pulls at once. A poke rather than the entries themselves: the pull that follows is the same
 * verified, bounded, signature-sealed path as catch-up, each peer pulls at its own pace (one round
 * at a time), and a peer that already has the entries (the one that pushed them) costs one small
 * frame. Commits within one turn of the event loop share a poke.
 */
export class HeadsAnnouncer {
  private readonly pending = new Map<string, AuthorHead>();
  private scheduled = false;

  constructor(
    private readonly datasetId: DatasetId,
    private readonly connections: () => Iterable<Connection>,
    /** A connection with more than this still unsent is not read by its peer: it is closed. */
    private readonly maxBufferedBytes: number,
  ) {}

  committed(entries: readonly OplogEntry[]): void {
    for (const e of entries) {
      const known = this.pending.get(e.hlc.nodeId);
      if (known === undefined || compareHlc(e.hlc, known.hlc) > 0) this.pending.set(e.hlc.nodeId, { nodeId: e.hlc.nodeId, hlc: e.hlc, hash: e.hash });
    }
    if (this.scheduled || this.pending.size === 0) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const heads = [...this.pending.values()];
    this.pending.clear();
    for (const connection of this.connections()) {
      // Only connections whose handshake completed are live.
      if (!connection.isOpen || connection.peerNodeId === '') continue;
      if (connection.bufferedAmount > this.maxBufferedBytes) {
        connection.close(TOO_SLOW, 'peer is not reading: reconnect and catch up by pulling');
        continue;
      }
      connection.notify({ kind: 'headsAdvanced', datasetId: this.datasetId, heads }).catch(() => undefined);
    }
  }
}
