import type { DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import { assertNodeId } from '../core/hlc.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';
import { negotiateCodec } from '../protocol/compression.ts';
import type { ChainRangeRequest, HandshakeRequest, Message, PullChangesRequest, PushChangesRequest } from '../protocol/messages.ts';
import { PROTOCOL_VERSION } from '../protocol/messages.ts';
import { resolveReadLimits, trimToBytes } from '../store/validation.ts';
import { tokensEqual, type AuthOptions } from './auth.ts';
import type { Connection, Reply } from './connection.ts';
import type { DatasetRuntime } from './dataset-runtime.ts';
import { ChainGapError } from './replica.ts';
import { fetchChainRange, fetchSnapshot, snapshotChunks } from './recovery.ts';

/** Sorts after every valid node id: "after (wall, logic)" across all authors. */
const MAX_NODE_ID = '~'.repeat(128);
const MAX_LOGIC = 0x7fff_ffff;

export interface ResponderContext {
  readonly nodeId: string;
  readonly datasets: ReadonlyMap<DatasetId, DatasetRuntime>;
  readonly auth: AuthOptions;
}

/**
 * Answers a peer's requests on one connection. An acceptor must see a successful handshake first;
 * a dialer answers only for the datasets it dialed for (its hub may ask it for a chain range or a
 * snapshot while handling a push).
 */
export class Responder {
  private readonly granted = new Set<DatasetId>();
  private handshaken: boolean;

  constructor(private readonly ctx: ResponderContext, role: 'dialer' | 'acceptor', dialedFor: readonly DatasetId[] = []) {
    this.handshaken = role === 'dialer';
    for (const ds of dialedFor) this.granted.add(ds);
  }

  handle = async (message: Message, connection: Connection): Promise<Reply> => {
    if (message.kind === 'handshakeRequest') return this.handshake(message, connection);
    if (!this.handshaken) throw new SluiceError('protocol_violation', `Expected a handshake before ${message.kind}.`);
    switch (message.kind) {
      case 'vectorClockRequest': {
        const rt = this.dataset(message.datasetId);
        const [heads, boundaries] = await Promise.all([rt.replica.heads(), rt.replica.store.oplog.boundaries(message.datasetId)]);
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
        return snapshotChunks(message.datasetId, await rt.replica.store.snapshots.export(message.datasetId));
      }
      default:
        throw new SluiceError('protocol_violation', `${message.kind} is not a request.`);
    }
  };

  private async handshake(m: HandshakeRequest, connection: Connection): Promise<Message> {
    const refuse = (reason: string): Message => {
      // The response goes out first; the connection closes right after, with the reason.
      queueMicrotask(() => setTimeout(() => connection.close(4401, reason.slice(0, 120)), 20));
      return { kind: 'handshakeResponse', nodeId: this.ctx.nodeId, accepted: false, compression: '', collections: [], datasetId: m.datasetId, grantedDatasetIds: [], reason, protocolVersion: PROTOCOL_VERSION, maxFrameBytes: connection.codec.maxFrameBytes };
    };
    if (m.protocolVersion > PROTOCOL_VERSION) return refuse(`protocol version ${m.protocolVersion} is newer than this peer's ${PROTOCOL_VERSION}: upgrade the hub`);
    try {
      assertNodeId(m.nodeId);
    } catch (error) {
      return refuse((error as Error).message);
    }
    if (this.ctx.auth.token !== undefined && !tokensEqual(m.authToken, this.ctx.auth.token)) {
      return refuse('auth_failed: the token does not match this hub\'s token');
    }
    this.granted.clear();
    for (const ds of [m.datasetId, ...m.extraDatasetIds]) {
      if (!this.ctx.datasets.has(ds)) continue;
      const ok = this.ctx.auth.authorize ? await this.ctx.auth.authorize(m.nodeId, m.authToken, ds) : true;
      if (ok) this.granted.add(ds);
    }
    this.handshaken = true;
    connection.peerNodeId = m.nodeId;
    const codec = negotiateCodec(m.compression);
    // Compression starts after this (uncompressed) response is encoded.
    queueMicrotask(() => (connection.codec.codec = codec));
    for (const ds of this.granted) void this.ctx.datasets.get(ds)!.replica.store.confirmations.registerPeer(ds, m.nodeId, { address: connection.remote }).catch(() => undefined);
    return {
      kind: 'handshakeResponse',
      nodeId: this.ctx.nodeId,
      accepted: true,
      compression: codec,
      collections: [],
      datasetId: m.datasetId,
      grantedDatasetIds: [...this.granted],
      reason: '',
      protocolVersion: PROTOCOL_VERSION,
      maxFrameBytes: connection.codec.maxFrameBytes,
    };
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
    const oplog = rt.replica.store.oplog;
    if (m.author !== null && m.since !== null && connection !== undefined) {
      // A pull from `since` means the peer holds the author's chain up to there.
      await this.confirmHolding(rt, connection.peerNodeId, m.author, m.since);
    }
    if (await this.beforeBoundary(m)) {
      return { kind: 'changeSet', datasetId: m.datasetId, entries: [], hasMore: false, snapshotRequired: true };
    }
    // One extra entry tells whether more are waiting; the byte cut is applied here for the same reason.
    const fetched =
      m.author === null
        ? await oplog.entriesAfter(m.datasetId, since === null ? null : { ...since, nodeId: MAX_NODE_ID }, { limit: limit + 1 })
        : await oplog.entriesByAuthorAfter(m.datasetId, m.author, since, { limit: limit + 1 });
    const entries = trimToBytes(fetched.slice(0, limit), maxBytes);
    rt.metrics.entriesOut += entries.length;
    return { kind: 'changeSet', datasetId: m.datasetId, entries, hasMore: fetched.length > entries.length, snapshotRequired: false };
  }

  private async confirmHolding(rt: DatasetRuntime, peerId: string, author: string, since: { wall: number; logic: number }): Promise<void> {
    if (!peerId) return;
    const before = since.logic > 0 ? { wall: since.wall, logic: since.logic - 1, nodeId: author } : { wall: since.wall - 1, logic: MAX_LOGIC, nodeId: author };
    const [entry] = await rt.replica.store.oplog.entriesByAuthorAfter(rt.datasetId, author, before.wall < 0 ? null : before, { limit: 1 });
    if (entry && entry.hlc.wall === since.wall && entry.hlc.logic === since.logic) {
      await rt.replica.store.confirmations.confirm(rt.datasetId, peerId, author, entry.hlc, entry.hash);
    }
  }

  /** True when entries after `since` were pruned here: the puller cannot link up without a snapshot. */
  private async beforeBoundary(m: PullChangesRequest): Promise<boolean> {
    const oplog = this.dataset(m.datasetId).replica.store.oplog;
    const boundaries = m.author === null ? await oplog.boundaries(m.datasetId) : [await oplog.boundary(m.datasetId, m.author)];
    return boundaries.some((b) => b !== undefined && (m.since === null || b.hlc.wall > m.since.wall || (b.hlc.wall === m.since.wall && b.hlc.logic > m.since.logic)));
  }

  private async push(m: PushChangesRequest, connection: Connection): Promise<Message> {
    const rt = this.dataset(m.datasetId);
    const apply = () => rt.replica.applyRemote(m.entries);
    let outcome;
    try {
      outcome = await apply();
    } catch (error) {
      if (!(error instanceof ChainGapError)) throw error;
      // The sender is ahead of what we hold for this author: ask it for the missing range.
      const recovered = await fetchChainRange(connection, rt, error);
      if (!recovered) await fetchSnapshot(connection, rt);
      outcome = await apply();
    }
    rt.metrics.entriesIn += outcome.inserted;
    // The pusher holds everything it pushed: record that as its watermark for those authors.
    const store = rt.replica.store.confirmations;
    for (const head of outcome.applied) {
      if (connection.peerNodeId) await store.confirm(m.datasetId, connection.peerNodeId, head.nodeId, head.hlc, head.hash);
    }
    return { kind: 'ack', datasetId: m.datasetId, success: true, snapshotRequired: false, applied: outcome.applied };
  }

  private async chainRange(m: ChainRangeRequest): Promise<Message> {
    const rt = this.dataset(m.datasetId);
    const range = await rt.replica.store.oplog.chainRange(m.datasetId, m.startHash, m.endHash);
    if (range === undefined) return { kind: 'chainRangeResponse', datasetId: m.datasetId, entries: [], snapshotRequired: true };
    const { limit, maxBytes } = this.limits(rt, 0, 0);
    const entries: OplogEntry[] = trimToBytes(range.slice(0, limit), maxBytes);
    return { kind: 'chainRangeResponse', datasetId: m.datasetId, entries, snapshotRequired: false };
  }

  /** The peer may ask for less than our per-cycle bounds, never more; frames stay under half the frame limit. */
  private limits(rt: DatasetRuntime, maxEntries: number, maxBytes: number): { limit: number; maxBytes: number } {
    const limit = Math.min(maxEntries || rt.options.maxEntriesPerCycle, rt.options.maxEntriesPerCycle);
    const bytes = Math.min(maxBytes || rt.options.maxBytesPerCycle, rt.options.maxBytesPerCycle, rt.maxFrameBytes / 2);
    return resolveReadLimits({ limit, maxBytes: bytes });
  }
}
