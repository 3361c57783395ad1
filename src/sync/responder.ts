import type { DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';
import { negotiateCodec } from '../protocol/compression.ts';
import type { ChainRangeRequest, HandshakeRequest, Message, PullChangesRequest, PushChangesRequest } from '../protocol/messages.ts';
import { PROTOCOL_VERSION } from '../protocol/messages.ts';
import { compareStamp } from '../core/hlc.ts';
import { resolveReadLimits } from '../store/validation.ts';
import type { Connection, Reply } from './connection.ts';
import type { DatasetRuntime } from './dataset-runtime.ts';
import { ChainGapError } from './replica.ts';
import type { PeerIdentity } from './peer-identity.ts';
import { fetchChainRange, snapshotChunks } from './recovery.ts';
import { readSealed, type PageReader } from './sealed-read.ts';
import { VOUCHED, type KeyPolicy } from './signatures.ts';
import type { AcceptedSession } from './accepted-session.ts';

/** Sorts after every valid node id: "after (wall, logic)" across all authors. */
const MAX_NODE_ID = '~'.repeat(128);
const MAX_LOGIC = 0x7fff_ffff;

export interface ResponderContext {
  readonly nodeId: string;
  readonly datasets: ReadonlyMap<DatasetId, DatasetRuntime>;
}

/** Peer rows kept per dataset: each handshake of an authenticated peer may add one, never past this. */
export const MAX_TRACKED_PEERS = 10_000;

/**
 * Per dataset, the peer ids tracked so far. Peers an operator untracks stay counted here until the
 * hub restarts: the bound may then be reached a little early, never passed.
 */
const trackedPeers = new WeakMap<DatasetRuntime, Set<string>>();

/** An acceptor's handshake, as a hub that may lose its memory between messages keeps it. */
export interface SessionHooks {
  /** Called once the handshake is accepted, with what serving the connection on needs. */
  readonly onAccepted?: (session: AcceptedSession) => void;
  /** The connection's handshake was accepted earlier (before the hub hibernated): serve it without one. */
  readonly resumed?: AcceptedSession;
}

/**
 * Answers a peer's requests on one connection. On an accepted connection the peer was
 * authenticated before its first frame reached this dataset (see PeerIdentity): the handshake here
 * only confirms that identity and negotiates the session. A dialer answers only for the datasets
 * it dialed for (its hub may ask it for a chain range while handling a push).
 */
export class Responder {
  private readonly granted = new Set<DatasetId>();
  /** Of `granted`, those the peer may only pull. */
  private readonly readOnly = new Set<DatasetId>();
  private handshaken: boolean;
  private readonly identity: PeerIdentity | undefined;
  /** The key the peer presented in its handshake: what its own pushes must be signed with. */
  private peerKey = '';

  constructor(ctx: ResponderContext, role: 'acceptor', identity: PeerIdentity, hooks?: SessionHooks);
  constructor(ctx: ResponderContext, role: 'dialer', dialedFor: readonly DatasetId[]);
  constructor(
    private readonly ctx: ResponderContext,
    private readonly role: 'dialer' | 'acceptor',
    peer: PeerIdentity | readonly DatasetId[],
    private readonly hooks: SessionHooks = {},
  ) {
    this.handshaken = role === 'dialer';
    if (Array.isArray(peer)) for (const ds of peer as readonly DatasetId[]) this.granted.add(ds);
    else this.identity = peer as PeerIdentity;
    if (hooks.resumed && this.identity) {
      // The handshake, its grants and its key pins happened before; the connection is restored by the caller.
      this.grant(this.identity);
      this.handshaken = true;
      this.peerKey = hooks.resumed.publicKey;
    }
  }

  handle = async (message: Message, connection: Connection): Promise<Reply> => {
    if (message.kind === 'handshakeRequest') return this.handshake(message, connection);
    if (!this.handshaken) throw new SluiceError('protocol_violation', `Expected a handshake before ${message.kind}.`);
    switch (message.kind) {
      case 'vectorClockRequest': {
        const rt = this.dataset(message.datasetId);
        const [heads, boundaries] = await Promise.all([rt.replica.heads(), rt.replica.view.boundaries()]);
        return { kind: 'vectorClockResponse', datasetId: message.datasetId, heads, boundaries };
      }
      case 'pullChangesRequest':
        return this.pull(message, connection);
      case 'pushChangesRequest':
        return this.push(message, connection);
      case 'chainRangeRequest':
        return this.chainRange(message);
      case 'snapshotRequest': {
        const rt = this.dataset(message.datasetId);
        rt.metrics.snapshotsServed++;
        return snapshotChunks(rt);
      }
      default:
        throw new SluiceError('protocol_violation', `${message.kind} is not a request.`);
    }
  };

  private async handshake(m: HandshakeRequest, connection: Connection): Promise<Message> {
    const refuse = (reason: string): Message => {
      // The response goes out first; the connection closes right after, with the reason.
      queueMicrotask(() => setTimeout(() => connection.close(4401, reason.slice(0, 120)), 20));
      return { kind: 'handshakeResponse', nodeId: this.ctx.nodeId, accepted: false, compression: '', collections: [], datasetId: m.datasetId, grantedDatasetIds: [], readOnlyDatasetIds: [], reason, protocolVersion: PROTOCOL_VERSION, maxFrameBytes: connection.codec.maxFrameBytes, takesNoticeCredit: false };
    };
    const identity = this.identity;
    if (!identity) throw new SluiceError('protocol_violation', 'A handshake is answered only on accepted connections.');
    // One handshake per connection, and it is the one the identity was decided from.
    if (this.handshaken || m.nodeId !== identity.nodeId) return refuse('protocol_violation: one handshake per connection, as the node it authenticated as');
    if (m.protocolVersion > PROTOCOL_VERSION) return refuse(`protocol version ${m.protocolVersion} is newer than this peer's ${PROTOCOL_VERSION}: upgrade the hub`);
    this.grant(identity);
    this.handshaken = true;
    this.peerKey = m.publicKey;
    connection.wantsNotices = !m.pushOnly;
    connection.grantNoticeCredit(m.noticeCredits);
    connection.peerNodeId = identity.nodeId;
    // An authenticated node vouches for its key: a relay may then bring its entries only under it.
    if (identity.authenticated && m.publicKey !== '') {
      for (const ds of this.granted) await this.ctx.datasets.get(ds)!.replica.authorKeys.pin(identity.nodeId, m.publicKey);
    }
    const codec = negotiateCodec(m.compression);
    // Compression starts after this (uncompressed) response is encoded.
    queueMicrotask(() => (connection.codec.codec = codec));
    if (identity.authenticated) for (const ds of this.granted) void this.track(ds, identity.nodeId, connection.remote);
    this.hooks.onAccepted?.({ publicKey: m.publicKey, pushOnly: m.pushOnly, noticeCredits: m.noticeCredits, compression: codec });
    return {
      kind: 'handshakeResponse',
      nodeId: this.ctx.nodeId,
      accepted: true,
      compression: codec,
      collections: [],
      datasetId: m.datasetId,
      grantedDatasetIds: [...this.granted],
      readOnlyDatasetIds: [...this.readOnly],
      reason: '',
      protocolVersion: PROTOCOL_VERSION,
      maxFrameBytes: connection.codec.maxFrameBytes,
      takesNoticeCredit: true,
    };
  }

  /** Registers the peer for confirmation tracking, unless the dataset already tracks as many as it may. */
  private async track(datasetId: DatasetId, peerId: string, address: string): Promise<void> {
    try {
      const rt = this.ctx.datasets.get(datasetId)!;
      const view = rt.replica.view;
      // The ids tracked, read once per dataset: reading every row on every handshake made a
      // dataset with thousands of clients cost a full scan per connection.
      let known = trackedPeers.get(rt);
      if (known === undefined) {
        known = new Set((await view.listPeers()).map((p) => p.peerId));
        trackedPeers.set(rt, known);
      }
      if (known.size >= MAX_TRACKED_PEERS && !known.has(peerId)) return;
      await view.registerPeer(peerId, address);
      known.add(peerId);
    } catch {
      // Tracking is bookkeeping for pruning: a failure here must not fail the session.
    }
  }

  private grant(identity: PeerIdentity): void {
    for (const ds of identity.granted) {
      if (!this.ctx.datasets.has(ds)) continue;
      this.granted.add(ds);
      if (identity.readOnly.includes(ds)) this.readOnly.add(ds);
    }
  }

  private dataset(datasetId: DatasetId): DatasetRuntime {
    const rt = this.ctx.datasets.get(datasetId);
    if (!rt || !this.granted.has(datasetId)) {
      throw new SluiceError('dataset_not_granted', `Dataset "${datasetId}" was not granted on this connection: request it in the handshake, and check the hub serves it and authorizes this node for it.`, { datasetId });
    }
    return rt;
  }

  private async pull(m: PullChangesRequest, connection?: Connection): Promise<Message> {
    const rt = this.dataset(m.datasetId);
    const { limit, maxBytes } = this.limits(rt, m.maxEntries, m.maxBytes);
    const since = m.since === null ? null : { ...m.since, nodeId: m.author ?? '' };
    const view = rt.replica.view;
    if (m.author !== null && m.since !== null && connection !== undefined) {
      // A pull from `since` means the peer holds the author's chain up to there.
      await this.confirmHolding(rt, connection.peerNodeId, m.author, m.since);
    }
    if (await this.beforeBoundary(m)) {
      return { kind: 'changeSet', datasetId: m.datasetId, entries: [], hasMore: false, snapshotRequired: true };
    }
    const read: PageReader = (after, n) =>
      m.author === null
        ? view.entriesAfter(after?.hlc ?? (since === null ? null : { ...since, nodeId: MAX_NODE_ID }), { limit: n })
        : view.entriesByAuthorAfter(m.author, after?.hlc ?? since, { limit: n });
    const { entries, hasMore } = await readSealed(read, { limit, maxBytes, frameBytes: rt.maxFrameBytes / 2 }, rt.replica.signer);
    rt.metrics.entriesOut += entries.length;
    return { kind: 'changeSet', datasetId: m.datasetId, entries, hasMore, snapshotRequired: false };
  }

  private async confirmHolding(rt: DatasetRuntime, peerId: string, author: string, since: { wall: number; logic: number }): Promise<void> {
    if (!peerId) return;
    const before = since.logic > 0 ? { wall: since.wall, logic: since.logic - 1, nodeId: author } : { wall: since.wall - 1, logic: MAX_LOGIC, nodeId: author };
    const [entry] = await rt.replica.view.entriesByAuthorAfter(author, before.wall < 0 ? null : before, { limit: 1 });
    if (entry && compareStamp(entry.hlc, since) === 0) {
      await rt.replica.view.confirm(peerId, author, entry.hlc, entry.hash);
    }
  }

  /** True when entries after `since` were pruned here: the puller cannot link up without a snapshot. */
  private async beforeBoundary(m: PullChangesRequest): Promise<boolean> {
    const view = this.dataset(m.datasetId).replica.view;
    const boundaries = m.author === null ? await view.boundaries() : [await view.boundary(m.author)];
    return boundaries.some((b) => b !== undefined && (m.since === null || compareStamp(b.hlc, m.since) > 0));
  }

  private async push(m: PushChangesRequest, connection: Connection): Promise<Message> {
    const rt = this.dataset(m.datasetId);
    if (this.readOnly.has(m.datasetId)) {
      throw new SluiceError('dataset_read_only', `Dataset "${m.datasetId}" is granted read-only to this node: it may pull, not push. Nothing was applied.`, { datasetId: m.datasetId });
    }
    this.assertAuthorship(m.entries);
    const policy = this.keyPolicy(rt);
    const apply = () => rt.replica.applyRemote(m.entries, policy);
    let outcome;
    try {
      outcome = await apply();
    } catch (error) {
      if (!(error instanceof ChainGapError)) throw error;
      // The sender is ahead of what we hold for this author: ask it for the missing range, which is
      // its own chain (authorship is checked again on each batch). A snapshot is never taken from
      // a peer that pushes: recovery is not a way to write.
      const recovered = await fetchChainRange(connection, rt, error, policy, (entries) => this.assertAuthorship(entries));
      if (!recovered) {
        throw new SluiceError('chain_broken', `The pushed chain of "${error.author}" does not link to what this hub holds, and the pusher cannot fill the gap: nothing was applied.`, { author: error.author });
      }
      outcome = await apply();
    }
    rt.metrics.entriesIn += outcome.inserted;
    // The pusher holds everything it pushed: record that as its watermark for those authors.
    for (const head of outcome.applied) {
      if (connection.peerNodeId) await rt.replica.view.confirm(connection.peerNodeId, head.nodeId, head.hlc, head.hash);
    }
    return { kind: 'ack', datasetId: m.datasetId, success: true, snapshotRequired: false, applied: outcome.applied };
  }

  /**
   * A client's pushes must be signed with the key of its handshake; a relay's with keys this node
   * pinned for their authors. A dialer answers only its own hub, which it trusts for keys.
   */
  private keyPolicy(rt: DatasetRuntime): KeyPolicy {
    if (this.role === 'dialer') return VOUCHED;
    return this.identity?.relay ? { kind: 'pinned', keys: rt.replica.authorKeys } : { kind: 'connection', publicKey: this.peerKey };
  }

  /**
   * On an accepted connection every pushed entry must be the peer's own, unless the peer may relay
   * (hub to hub): otherwise any token holder could write as another node.
   */
  private assertAuthorship(entries: readonly OplogEntry[]): void {
    const identity = this.identity;
    if (this.role === 'dialer' || !identity || identity.relay) return;
    const foreign = entries.find((e) => e.hlc.nodeId !== identity.nodeId);
    if (foreign) {
      throw new SluiceError(
        'author_not_allowed',
        `Node "${identity.nodeId}" pushed an entry authored by "${foreign.hlc.nodeId}": a client may push only its own writes (relaying other authors needs the relay grant). Nothing was applied.`,
        { nodeId: identity.nodeId, author: foreign.hlc.nodeId },
      );
    }
  }

  private async chainRange(m: ChainRangeRequest): Promise<Message> {
    const rt = this.dataset(m.datasetId);
    const range = await rt.replica.view.chainRange(m.startHash, m.endHash);
    if (range === undefined) return { kind: 'chainRangeResponse', datasetId: m.datasetId, entries: [], snapshotRequired: true };
    const { limit, maxBytes } = this.limits(rt, 0, 0);
    const { entries } = await readSealed(async (after, n) => range.slice(after === undefined ? 0 : range.indexOf(after) + 1).slice(0, n), { limit, maxBytes, frameBytes: rt.maxFrameBytes / 2 }, rt.replica.signer);
    return { kind: 'chainRangeResponse', datasetId: m.datasetId, entries, snapshotRequired: false };
  }

  /** The peer may ask for less than our per-cycle bounds, never more; frames stay under half the frame limit. */
  private limits(rt: DatasetRuntime, maxEntries: number, maxBytes: number): { limit: number; maxBytes: number } {
    const limit = Math.min(maxEntries || rt.options.maxEntriesPerCycle, rt.options.maxEntriesPerCycle);
    const bytes = Math.min(maxBytes || rt.options.maxBytesPerCycle, rt.options.maxBytesPerCycle, rt.maxFrameBytes / 2);
    return resolveReadLimits({ limit, maxBytes: bytes });
  }
}
