import { SluiceError } from '../core/errors.ts';
import { compareHlc, compareStamp, type Hlc } from '../core/hlc.ts';
import { VectorClock } from '../core/vector-clock.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';
import type { AuthorHead } from '../store/oplog-store.ts';
import type { Connection } from './connection.ts';
import type { Message } from '../protocol/messages.ts';
import type { DatasetRuntime } from './dataset-runtime.ts';
import { ChainGapError } from './replica.ts';
import { fetchChainRange, fetchSnapshot, unexpected } from './recovery.ts';
import { readSealed, type PageReader } from './sealed-read.ts';
import { VOUCHED } from './signatures.ts';

export interface SessionResult {
  readonly pulled: number;
  readonly pushed: number;
  /** How far the peer holds this node's own chain after the round (null: none of it). */
  readonly ownAt: Hlc | null;
}

/**
 * One anti-entropy round for one dataset with one peer: exchange vector clocks, pull every author
 * the peer is ahead on, push every author we are ahead on. Batches are bounded by the dataset's
 * per-cycle limits, so a large backlog streams as many batches.
 */
export async function syncRound(connection: Connection, rt: DatasetRuntime, heldByPeer: () => Iterable<AuthorHead> = () => []): Promise<SessionResult> {
  const ds = rt.datasetId;
  const reply = await connection.request({ kind: 'vectorClockRequest', datasetId: ds });
  if (reply.kind !== 'vectorClockResponse') throw unexpected(reply, 'vectorClockResponse');
  const remote = new VectorClock(reply.heads.map((h) => h.hlc));
  const localHeads = await rt.replica.heads();
  const local = new VectorClock(localHeads.map((h) => h.hlc));
  // The peer's clock says how far it holds each author's chain: that is its watermark here.
  await confirmHeads(rt, connection.peerNodeId, reply.heads);

  const direction = rt.options.direction;
  // A read-only grant: the hub would refuse every push, so none is made; local writes stay here.
  const pushes = direction !== 'pull' && !connection.readOnly;
  let pulled = 0;
  for (const author of direction === 'push' ? [] : local.authorsToPull(remote)) {
    const got = await pullAuthor(connection, rt, author, remote.get(author));
    pulled += got.count;
    // What we just pulled, the peer has: never push it back (its clock above predates the pull).
    // Only what came from this peer: entries of the author that reached us from a third peer may
    // still be missing here.
    if (got.holds) remote.observe(got.holds);
  }

  let pushed = 0;
  // What the peer announced during the round (live notices), it holds: its clock above predates
  // them. Pushing them back would be pushing other authors' entries, which a hub refuses from a client.
  for (const head of heldByPeer()) remote.observe(head.hlc);
  // Re-read: pulling may have brought our own older entries back (after a restore).
  const localAfterPull = new VectorClock((await rt.replica.heads()).map((h) => h.hlc));
  let ownAt: Hlc | null = remote.has(rt.replica.nodeId) ? remote.get(rt.replica.nodeId) : null;
  for (const author of pushes ? localAfterPull.authorsToPush(remote) : []) {
    const sent = await pushAuthor(connection, rt, author, remote.has(author) ? remote.get(author) : null);
    pushed += sent.count;
    if (author === rt.replica.nodeId && sent.last) ownAt = sent.last;
  }
  return { pulled, pushed, ownAt };
}

/**
 * The fast path after a local write on a connection that just completed a round: push our own
 * entries after `ownAt` (how far the peer holds our chain, as its last ack said), without asking for
 * its vector clock first. Anything else the peer may have waits for its notice or the next round.
 */
export async function pushOwn(connection: Connection, rt: DatasetRuntime, ownAt: Hlc | null): Promise<SessionResult> {
  if (rt.options.direction === 'pull' || connection.readOnly) return { pulled: 0, pushed: 0, ownAt };
  const sent = await pushAuthor(connection, rt, rt.replica.nodeId, ownAt);
  return { pulled: 0, pushed: sent.count, ownAt: sent.last ?? ownAt };
}

/**
 * Pulls one author's chain from the peer; `holds` is the newest of its entries the peer sent us.
 *
 * Pipelined: while one page is verified and applied here, the request for the next (after the
 * page's last entry) is already with the peer, which reads and encodes it meanwhile. At most two
 * pages are in flight, so memory stays bounded by the per-cycle limits. If applying moved this
 * node's head anywhere but the page's end (a recovery fetched a range or a snapshot), the prefetched
 * page is dropped and the next one asked for from the actual head.
 */
async function pullAuthor(connection: Connection, rt: DatasetRuntime, author: string, remoteHead: Hlc): Promise<{ count: number; holds: Hlc | undefined }> {
  const ask = (since: Hlc | undefined) =>
    connection.request({
      kind: 'pullChangesRequest',
      datasetId: rt.datasetId,
      author,
      since: since ? { wall: since.wall, logic: since.logic } : null,
      collections: [],
      maxEntries: rt.options.maxEntriesPerCycle,
      maxBytes: Math.min(rt.options.maxBytesPerCycle, rt.maxFrameBytes / 2),
    });
  let total = 0;
  let holds: Hlc | undefined;
  let snapshotTaken = false;
  let prefetched: { since: Hlc; reply: Promise<Message> } | undefined;
  for (;;) {
    const head = (await rt.replica.headOf(author))?.hlc;
    // A prefetch that failed (a timeout while a slow apply ran) is simply asked again.
    const reply = prefetched && head && compareStamp(prefetched.since, head) === 0 ? await prefetched.reply.catch(() => ask(head)) : await ask(head);
    prefetched = undefined;
    if (reply.kind !== 'changeSet') throw unexpected(reply, 'changeSet');
    const behind = reply.entries.length === 0 && !(await reached(rt, author, remoteHead));
    if (reply.snapshotRequired || behind) {
      // The peer pruned what we lack (or says so): only a snapshot can bring us up to its head.
      if (snapshotTaken) throw new SluiceError('snapshot_required', `Still behind ${connection.peerNodeId} for author "${author}" after importing its snapshot.`);
      await fetchSnapshot(connection, rt);
      snapshotTaken = true;
      // We were behind the peer on this author, so the head the snapshot left is the peer's.
      holds = (await rt.replica.headOf(author))?.hlc;
      continue;
    }
    if (reply.entries.length === 0) return { count: total, holds };
    const last = reply.entries[reply.entries.length - 1]!.hlc;
    if (reply.hasMore) {
      prefetched = { since: last, reply: ask(last) };
      // Awaited only if it is used; a page dropped after a failure must not surface as unhandled.
      prefetched.reply.catch(() => undefined);
    }
    total += await applyWithRecovery(connection, rt, reply.entries);
    holds = last;
    if (!reply.hasMore) return { count: total, holds };
  }
}

async function reached(rt: DatasetRuntime, author: string, target: Hlc): Promise<boolean> {
  const head = await rt.replica.headOf(author);
  return head !== undefined && compareStamp(head.hlc, target) >= 0;
}

async function pushAuthor(connection: Connection, rt: DatasetRuntime, author: string, remoteHead: Hlc | null): Promise<{ count: number; last: Hlc | null }> {
  let after = remoteHead;
  let total = 0;
  let last: Hlc | null = null;
  const bounds = { limit: rt.options.maxEntriesPerCycle, maxBytes: Math.min(rt.options.maxBytesPerCycle, rt.maxFrameBytes / 2), frameBytes: rt.maxFrameBytes / 2 };
  for (;;) {
    const read: PageReader = (from, limit) => rt.replica.view.entriesByAuthorAfter(author, from?.hlc ?? after, { limit });
    const { entries } = await readSealed(read, bounds, rt.replica.signer);
    if (entries.length === 0) return { count: total, last };
    const reply = await connection.request({ kind: 'pushChangesRequest', datasetId: rt.datasetId, entries });
    if (reply.kind !== 'ack') throw unexpected(reply, 'ack');
    rt.metrics.entriesOut += entries.length;
    total += entries.length;
    await confirmHeads(rt, connection.peerNodeId, reply.applied);
    rt.lag.acked(reply.applied);
    after = entries[entries.length - 1]!.hlc;
    last = after;
  }
}

/** Applies a batch; on a gap, fetches the missing range (or a snapshot) and tries once more. */
async function applyWithRecovery(connection: Connection, rt: DatasetRuntime, entries: readonly OplogEntry[]): Promise<number> {
  try {
    const outcome = await rt.replica.applyRemote(entries, VOUCHED);
    rt.metrics.entriesIn += outcome.inserted;
    return outcome.inserted;
  } catch (error) {
    if (!(error instanceof ChainGapError)) throw error;
    if (!(await fetchChainRange(connection, rt, error, VOUCHED))) await fetchSnapshot(connection, rt);
    const outcome = await rt.replica.applyRemote(entries, VOUCHED);
    rt.metrics.entriesIn += outcome.inserted;
    return outcome.inserted;
  }
}

/**
 * An ack, a vector clock or a heads notice says how far the peer holds each author: that is our
 * confirmation watermark for it.
 */
export async function confirmHeads(rt: DatasetRuntime, peerId: string, applied: readonly AuthorHead[]): Promise<void> {
  if (!peerId) return;
  for (const head of applied) {
    const ours = await rt.replica.headOf(head.nodeId);
    // Never confirm beyond what we hold ourselves.
    const capped = ours && compareHlc(ours.hlc, head.hlc) < 0 ? ours : head;
    await rt.replica.view.confirm(peerId, capped.nodeId, capped.hlc, capped.hash);
  }
}
