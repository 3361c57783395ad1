import { isSluiceError, type SluiceError } from '../core/errors.ts';
import { compareHlc, type Hlc } from '../core/hlc.ts';
import type { Message } from '../protocol/messages.ts';
import type { AuthorHead } from '../store/oplog-store.ts';
import { CLOSE_CODES, type CloseInfo, type Connector } from '../protocol/transport.ts';
import { jitteredBackoff, reconnectDelay } from './backoff.ts';
import type { Connection } from './connection.ts';
import type { DatasetRuntime } from './dataset-runtime.ts';
import { dial, NOTICE_CREDIT_BATCH } from './dial.ts';
import { refreshAt } from './presented-token.ts';
import type { ResponderContext } from './responder.ts';
import { confirmHeads, pushOwn, syncRound } from './session.ts';
import { NoticedWatermarks } from './noticed-watermarks.ts';
import { VOUCHED } from './signatures.ts';

export interface PeerStatus {
  readonly url: string;
  readonly peerNodeId: string;
  readonly connected: boolean;
  readonly failures: number;
  /** Epoch ms before which the peer is not tried again; 0 when not backing off. */
  readonly nextRetryAt: number;
  readonly lastError: string | null;
  readonly lastSuccessAt: number;
  /**
   * The peer's last handshake granted this dataset read-only: this node pulls from it and pushes
   * nothing, so writes made here stay here. False until a handshake says so.
   */
  readonly readOnly: boolean;
}

export interface RoundReport {
  readonly datasetId: string;
  readonly peers: { url: string; ok: boolean; pulled: number; pushed: number; error?: string; code?: string }[];
}

interface PeerState {
  readonly connector: Connector;
  connection: Connection | undefined;
  failures: number;
  nextRetryAt: number;
  lastError: string | null;
  lastSuccessAt: number;
  /** What the peer's last handshake said: the dataset is granted read-only. */
  readOnly: boolean;
  /** The peer refuses the dataset, and onRevoked was told: not again until it grants it. */
  refused: boolean;
  /**
   * Epoch ms at which the connection is replaced by one dialed with a fresh token (its JWT is about
   * to expire and the connector's token is a function); undefined when it never needs to be.
   */
  refreshAt: number | undefined;
  /** Whether the current attempt started on a pooled connection. */
  reused: boolean;
  /** How far the peer holds our own chain, learned in a round on the current connection. */
  ownAt: Hlc | null | undefined;
  /** Watermarks this peer's notices tell us, for the current connection. */
  noticed: NoticedWatermarks | undefined;
  /** Notices with entries handled since credit last went back to the peer. */
  creditOwed: number;
}

export interface OrchestratorOptions {
  readonly maxFrameBytes: number;
  readonly heartbeatMs?: number;
  readonly requestTimeoutMs?: number;
  readonly onError?: (error: unknown, peerUrl: string) => void;
  readonly onRound?: (report: RoundReport) => void;
  /** A peer refused the dataset (closed with 4403, or a handshake without the grant); once per refusal. */
  readonly onRevoked?: (url: string, reason: string) => void;
}

/**
 * The sync loop of one dataset: its own timer, peers, connections, backoff and cancellation.
 * Nothing here is shared with another dataset's orchestrator.
 *
 * Rounds run one at a time. A wake-up (a local write, a write pushed to us, a hub saying its heads
 * advanced) queues one round unless one is already queued and not yet started: wake-ups during a
 * round coalesce into the next one, which sees everything they announced. `syncInterval` is only
 * the anti-entropy timer between rounds.
 */
export class DatasetOrchestrator {
  private readonly peers: PeerState[];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerDueAt = 0;
  /** The queue of rounds: each starts when the previous one settled. */
  private chain: Promise<unknown> = Promise.resolve();
  /** A background round is queued and has not started yet. */
  private waiting = false;
  /** The queued round must be a full one (something other than our own writes woke it). */
  private wantFull = true;
  private stopped = true;
  private readonly abort = new AbortController();
  private cursor = 0;

  constructor(
    private readonly rt: DatasetRuntime,
    private readonly ctx: ResponderContext,
    connectors: readonly Connector[],
    private readonly options: OrchestratorOptions,
  ) {
    this.peers = connectors.map((connector) => ({ connector, connection: undefined, failures: 0, nextRetryAt: 0, lastError: null, lastSuccessAt: 0, readOnly: false, refused: false, refreshAt: undefined, reused: false, ownAt: undefined, noticed: undefined, creditOwed: 0 }));
  }

  start(): void {
    if (!this.stopped || this.peers.length === 0) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.chain;
    for (const p of this.peers) {
      p.noticed?.stop();
      p.connection?.close(1000, 'node stopping');
    }
  }

  /** Runs a round after the one in flight (so it sees every write made before the call). Ignores backoff. */
  syncNow(): Promise<RoundReport> {
    return this.enqueue(true);
  }

  /** This node wrote: push it at once (on a live connection, without a vector clock exchange). */
  notifyLocalWrite(): void {
    this.requestRound(false);
  }

  /** Entries of other authors arrived that our peers may lack (pushed to us, or pulled from another peer). */
  notifyRemoteCommit(): void {
    this.requestRound(true);
  }

  private requestRound(full = true): void {
    if (full) this.wantFull = true;
    if (this.stopped || this.waiting) return;
    this.waiting = true;
    this.enqueue(false).catch(() => undefined);
  }

  private enqueue(force: boolean): Promise<RoundReport> {
    const run = this.chain.then(() => {
      const full = force || this.wantFull;
      if (!force) {
        this.waiting = false;
        this.wantFull = false;
      }
      return this.round(force, full);
    });
    this.chain = run.then(
      () => this.schedule(this.nextDelay()),
      () => this.schedule(this.nextDelay()),
    );
    return run;
  }

  /**
   * A hub we dialed committed entries. Nothing to do when we hold every head it names (we pushed
   * them); otherwise apply what the notice carries if it links to what we hold, and pull if the hub
   * is still ahead.
   */
  private async onNotice(message: Message, peer: PeerState): Promise<void> {
    if (message.kind !== 'headsAdvanced' || message.datasetId !== this.rt.datasetId) return;
    // The peer holds what it announced, whether or not we apply it now: a round in flight must
    // not push those heads back to it.
    peer.noticed?.noticed(message.heads);
    if (await this.behind(message.heads)) {
      if (message.entries.length > 0) {
        try {
          const outcome = await this.rt.replica.applyRemote(message.entries, VOUCHED);
          this.rt.metrics.entriesIn += outcome.inserted;
        } catch {
          // A gap, or entries that fail a check: a round fetches properly (and reports any error).
        }
      }
      if (await this.behind(message.heads)) {
        this.requestRound();
        return;
      }
    }
  }

  /** Gives the hub back credit for notices with entries, once handled, in batches. */
  private returnCredit(message: Message, peer: PeerState, connection: Connection): void {
    if (message.kind !== 'headsAdvanced' || message.entries.length === 0 || !connection.takesNoticeCredit) return;
    if (++peer.creditOwed < NOTICE_CREDIT_BATCH) return;
    const notices = peer.creditOwed;
    peer.creditOwed = 0;
    if (connection.isOpen) connection.notify({ kind: 'noticeCredit', datasetId: this.rt.datasetId, notices }).catch(() => undefined);
  }

  private async behind(heads: readonly AuthorHead[]): Promise<boolean> {
    for (const head of heads) {
      const ours = await this.rt.replica.headOf(head.nodeId);
      if (ours === undefined || compareHlc(head.hlc, ours.hlc) > 0) return true;
    }
    return false;
  }

  status(): PeerStatus[] {
    return this.peers.map((p) => ({
      url: p.connector.url,
      peerNodeId: p.connection?.peerNodeId ?? '',
      connected: p.connection?.isOpen ?? false,
      failures: p.failures,
      nextRetryAt: p.failures > 0 ? p.nextRetryAt : 0,
      lastError: p.lastError,
      lastSuccessAt: p.lastSuccessAt,
      readOnly: p.readOnly,
    }));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.requestRound();
    }, delayMs);
  }

  private nextDelay(): number {
    const now = Date.now();
    const soonestRetry = Math.min(...this.peers.map((p) => (p.failures > 0 ? p.nextRetryAt - now : Number.POSITIVE_INFINITY)));
    const soonestRefresh = Math.min(...this.peers.map((p) => (p.connection?.isOpen && p.refreshAt !== undefined ? p.refreshAt - now : Number.POSITIVE_INFINITY)));
    return Math.max(0, Math.min(this.rt.options.syncInterval, soonestRetry, soonestRefresh));
  }

  private round(force: boolean, full: boolean): Promise<RoundReport> {
    if (this.stopped && !force) return Promise.resolve({ datasetId: this.rt.datasetId, peers: [] });
    return this.runRound(force, full);
  }

  private async runRound(force: boolean, full: boolean): Promise<RoundReport> {
    const now = Date.now();
    const ready = this.peers.filter((p) => force || p.failures === 0 || p.nextRetryAt <= now);
    // Rotate the starting peer so that with more peers than maxPeers every peer gets its turn.
    const chosen: PeerState[] = [];
    for (let i = 0; i < ready.length && chosen.length < this.rt.options.maxPeers; i++) chosen.push(ready[(this.cursor + i) % ready.length]!);
    this.cursor = ready.length === 0 ? 0 : (this.cursor + chosen.length) % ready.length;
    const results = await Promise.all(chosen.map((p) => this.syncPeer(p, full)));
    this.rt.metrics.rounds++;
    const report: RoundReport = { datasetId: this.rt.datasetId, peers: results };
    this.options.onRound?.(report);
    return report;
  }

  private async syncPeer(p: PeerState, full: boolean): Promise<RoundReport['peers'][number]> {
    try {
      return await this.attempt(p, full);
    } catch (error) {
      // A pooled connection can die between rounds without us noticing yet; that alone is no
      // reason to fail the round: dial once more right away.
      if (isSluiceError(error, 'connection_closed') && p.connection === undefined && p.reused) {
        try {
          return await this.attempt(p, true);
        } catch (retryError) {
          return this.fail(p, retryError);
        }
      }
      return this.fail(p, error);
    }
  }

  private async attempt(p: PeerState, full: boolean): Promise<RoundReport['peers'][number]> {
    if (p.connection?.isOpen && p.refreshAt !== undefined && Date.now() >= p.refreshAt) {
      // Its token expires soon: dial again now, with a fresh one, rather than be dropped at expiry.
      // Rounds run one at a time, so no request of ours is in flight on it.
      const old = p.connection;
      p.connection = undefined;
      old.close(1000, 'token refresh');
      full = true;
    }
    p.reused = p.connection?.isOpen === true;
    try {
      if (!p.connection?.isOpen) {
        p.ownAt = undefined;
        p.connection = await dial(p.connector, this.ctx, this.rt.datasetId, {
          maxFrameBytes: this.options.maxFrameBytes,
          signal: this.abort.signal,
          traffic: this.rt.metrics,
          ...(this.options.heartbeatMs === undefined ? {} : { heartbeatMs: this.options.heartbeatMs }),
          ...(this.options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: this.options.requestTimeoutMs }),
        });
        const peer = p;
        const connection = p.connection;
        peer.readOnly = connection.readOnly;
        const expiresAt = connection.tokenExpiresAt;
        peer.refreshAt = typeof p.connector.token === 'function' && expiresAt !== undefined ? refreshAt(expiresAt) : undefined;
        peer.creditOwed = 0;
        peer.noticed?.stop();
        peer.noticed = new NoticedWatermarks((heads) => confirmHeads(this.rt, connection.peerNodeId, heads));
        connection.setNoticeHandler((message) => {
          void this.onNotice(message, peer)
            .catch(() => undefined)
            .finally(() => this.returnCredit(message, peer, connection));
        });
        void connection.closed.then((info) => this.onDropped(peer, connection, info));
        await this.rt.replica.view.registerPeer(p.connection.peerNodeId, p.connector.url);
      }
      const fast = !full && p.ownAt !== undefined;
      const { pulled, pushed, ownAt } = fast ? await pushOwn(p.connection, this.rt, p.ownAt ?? null) : await syncRound(p.connection, this.rt, () => p.noticed?.heads() ?? []);
      p.ownAt = ownAt;
      p.refused = false;
      p.failures = 0;
      p.nextRetryAt = 0;
      p.lastError = null;
      p.lastSuccessAt = Date.now();
      return { url: p.connector.url, ok: true, pulled, pushed };
    } catch (error) {
      p.connection?.close(1000, 'sync failed');
      p.connection = undefined;
      p.ownAt = undefined;
      throw error;
    }
  }

  /**
   * An established connection ended without this node closing it (the hub restarted or died): a
   * full round redials after a jittered pause instead of waiting for the next write or anti-entropy
   * round, so a live reader is live again within about a second, and the clients of one hub do not
   * all come back at once. A connector with several URLs dials the next one if this one is gone.
   */
  private onDropped(p: PeerState, connection: Connection, info: CloseInfo): void {
    if (this.stopped || p.connection !== connection) return;
    if (info.code === CLOSE_CODES.notGranted) this.refusedBy(p, info.reason || 'dataset_not_granted');
    p.connection = undefined;
    p.ownAt = undefined;
    p.noticed?.stop();
    this.wantFull = true;
    const delay = reconnectDelay();
    if (this.timer === undefined || this.timerDueAt > Date.now() + delay) this.schedule(delay);
  }

  private refusedBy(p: PeerState, reason: string): void {
    if (p.refused) return;
    p.refused = true;
    try {
      this.options.onRevoked?.(p.connector.url, reason);
    } catch {
      // a listener's bug must not break the sync loop
    }
  }

  /** Records a failed attempt; attempt() has already dropped the connection, whose state is unknown. */
  private fail(p: PeerState, error: unknown): RoundReport['peers'][number] {
    p.failures++;
    p.nextRetryAt = Date.now() + jitteredBackoff(p.failures);
    const message = (error as Error)?.message ?? String(error);
    const code = isSluiceError(error) ? error.code : 'unknown';
    if (code === 'dataset_not_granted') this.refusedBy(p, String((error as SluiceError).details?.reason || message));
    p.lastError = message;
    this.rt.metrics.roundFailures++;
    this.rt.metrics.errors++;
    this.rt.metrics.lastError = { code, message, at: Date.now() };
    this.options.onError?.(error, p.connector.url);
    return { url: p.connector.url, ok: false, pulled: 0, pushed: 0, error: message, code };
  }
}
