import type { Confirmation, PeerRecord } from '../store/confirmation-store.ts';
import type { AuthorHead } from '../store/oplog-store.ts';
import type { DatasetStore } from '../store/storage-adapter.ts';

/** The two ports pruning and health read; narrower than a whole adapter so callers can wrap them. */
/** What maintenance reads and prunes: one dataset's oplog and peer watermarks. */
export type MaintenanceStorage = Pick<DatasetStore, 'oplog' | 'confirmations'>;

/** One (active peer, author) watermark that pruning depends on. */
export interface RequiredConfirmation {
  readonly peerId: string;
  readonly authorId: string;
  /** Our newest entry by the author (heads outlive pruning). */
  readonly head: AuthorHead;
  /** Undefined: the peer has never confirmed this author. */
  readonly watermark: Confirmation | undefined;
}

/** Who must have confirmed what, as stored for one dataset at one moment. */
export interface ConfirmationCoverage {
  /** The dataset's vector clock as read at the start; used to notice entries that arrive meanwhile. */
  readonly heads: readonly AuthorHead[];
  /** Active tracked peers: only these gate pruning and count for health. */
  readonly activePeers: readonly PeerRecord[];
  /** Heads of the authors that still have entries in the oplog. */
  readonly authorsWithEntries: readonly AuthorHead[];
  /** Every (active peer, author with entries) pair except a peer's own authorship, by peer then author. */
  readonly required: readonly RequiredConfirmation[];
  /** All stored confirmation rows of each active peer, required or not. */
  readonly rowsByPeer: ReadonlyMap<string, readonly Confirmation[]>;
}

/**
 * Reads what the confirmation rules need from one dataset's store.
 *
 * A peer is never required to confirm its own authorship: it holds every entry it wrote, and the
 * sync session never pushes a peer its own entries, so such a watermark would never be written and
 * would stall pruning for good. Authors whose entries were all pruned (a head and a boundary but no
 * rows) need no confirmation either: there is nothing left to hold back.
 */
export async function readConfirmationCoverage(storage: MaintenanceStorage): Promise<ConfirmationCoverage> {
  const heads = await storage.oplog.heads();
  const activePeers = (await storage.confirmations.listPeers()).filter((p) => p.active);
  if (activePeers.length === 0) return { heads, activePeers, authorsWithEntries: [], required: [], rowsByPeer: new Map() };

  const authorsWithEntries: AuthorHead[] = [];
  for (const head of heads) {
    const oldest = await storage.oplog.entriesByAuthorAfter(head.nodeId, null, { limit: 1 });
    if (oldest.length > 0) authorsWithEntries.push(head);
  }

  const rowsByPeer = new Map<string, Confirmation[]>();
  for (const peer of activePeers) rowsByPeer.set(peer.peerId, []);
  for (const row of await storage.confirmations.confirmations()) rowsByPeer.get(row.peerId)?.push(row);

  const required: RequiredConfirmation[] = [];
  for (const peer of activePeers) {
    const rows = rowsByPeer.get(peer.peerId) ?? [];
    for (const head of authorsWithEntries) {
      if (head.nodeId === peer.peerId) continue;
      required.push({ peerId: peer.peerId, authorId: head.nodeId, head, watermark: rows.find((r) => r.authorId === head.nodeId) });
    }
  }
  return { heads, activePeers, authorsWithEntries, required, rowsByPeer };
}
