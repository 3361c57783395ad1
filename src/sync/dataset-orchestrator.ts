import { isSluiceError } from '../core/errors.ts';
import type { Connector } from '../protocol/transport.ts';
import { backoffDelay } from './backoff.ts';
import type { Connection } from './connection.ts';
import type { DatasetRuntime } from './dataset-runtime.ts';
import { dial } from './dial.ts';
import type { ResponderContext } from './responder.ts';
import { syncRound } from './session.ts';

export interface PeerStatus {
  readonly url: string;
  readonly peerNodeId: string;
  readonly connected: boolean;
  readonly failures: number;
  /** Epoch ms before which the peer is not tried again; 0 when not backing off. */
  readonly nextRetryAt: number;
  readonly lastError: string | null;
  readonly lastSuccessAt: number;
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
  /** Whether the current attempt started on a pooled connection. */
  reused: boolean;
}

export interface OrchestratorOptions {
  readonly maxFrameBytes: number;
  readonly heartbeatMs?: number;
  readonly requestTimeoutMs?: number;
  /** Delay between a local write and the push it triggers; writes in between share the round. */
  readonly pushDelayMs?: number;
  readonly onError?: (error: unknown, peerUrl: string) => void;
  readonly onRound?: (report: RoundReport) => void;
}

/**
 * The sync loop of one dataset: its own timer, peers, connections, backoff and cancellation.
 * Nothing here is shared with another dataset's orchestrator.
 */
export class DatasetOrchestrator {
  private readonly peers: PeerState[];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<RoundReport> | undefined;
  private stopped = true;
  private readonly abort = new AbortController();
  private cursor = 0;

  constructor(
    private readonly rt: DatasetRuntime,
    private readonly ctx: ResponderContext,
    connectors: readonly Connector[],
    private readonly options: OrchestratorOptions,
  ) {
    this.peers = connectors.map((connector) => ({ connector, connection: undefined, failures: 0, nextRetryAt: 0, lastError: null, lastSuccessAt: 0, reused: false }));
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
    await this.running?.catch(() => undefined);
    for (const p of this.peers) p.connection?.close(1000, 'node stopping');
  }

  /** Runs a round now (after the one in flight, so it sees every write made before the call). Ignores backoff. */
  async syncNow(): Promise<RoundReport> {
    await this.running?.catch(() => undefined);
    return this.round(true);
  }

  /** A local write happened: push soon instead of waiting for the interval. */
  notifyLocalWrite(): void {
    if (this.stopped) return;
    this.schedule(this.options.pushDelayMs ?? 5);
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
    }));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      // A round is in flight: run again right after it, so nothing written meanwhile waits a full interval.
      await this.running.catch(() => undefined);
    }
    await this.round(false).catch(() => undefined);
    this.schedule(this.nextDelay());
  }

  private nextDelay(): number {
    const now = Date.now();
    const soonestRetry = Math.min(...this.peers.map((p) => (p.failures > 0 ? p.nextRetryAt - now : Number.POSITIVE_INFINITY)));
    return Math.max(0, Math.min(this.rt.options.syncInterval, soonestRetry));
  }

  private round(force: boolean): Promise<RoundReport> {
    const run = this.runRound(force);
    this.running = run;
    return run.finally(() => {
      if (this.running === run) this.running = undefined;
    });
  }

  private async runRound(force: boolean): Promise<RoundReport> {
    const now = Date.now();
    const ready = this.peers.filter((p) => force || p.failures === 0 || p.nextRetryAt <= now);
    // Rotate the starting peer so that with more peers than maxPeers every peer gets its turn.
    const chosen: PeerState[] = [];
    for (let i = 0; i < ready.length && chosen.length < this.rt.options.maxPeers; i++) chosen.push(ready[(this.cursor + i) % ready.length]!);
    this.cursor = ready.length === 0 ? 0 : (this.cursor + chosen.length) % ready.length;
    const results = await Promise.all(chosen.map((p) => this.syncPeer(p)));
    this.rt.metrics.rounds++;
    const report: RoundReport = { datasetId: this.rt.datasetId, peers: results };
    this.options.onRound?.(report);
    return report;
  }

  private async syncPeer(p: PeerState): Promise<RoundReport['peers'][number]> {
    try {
      return await this.attempt(p);
    } catch (error) {
      // A pooled connection can die between rounds without us noticing yet; that alone is no
      // reason to fail the round: dial once more right away.
      if (isSluiceError(error, 'connection_closed') && p.connection === undefined && p.reused) {
        try {
          return await this.attempt(p);
        } catch (retryError) {
          return this.fail(p, retryError);
        }
      }
      return this.fail(p, error);
    }
  }

  private async attempt(p: PeerState): Promise<RoundReport['peers'][number]> {
    p.reused = p.connection?.isOpen === true;
    try {
      if (!p.connection?.isOpen) {
        p.connection = await dial(p.connector, this.ctx, this.rt.datasetId, {
          maxFrameBytes: this.options.maxFrameBytes,
          signal: this.abort.signal,
          ...(this.options.heartbeatMs === undefined ? {} : { heartbeatMs: this.options.heartbeatMs }),
          ...(this.options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: this.options.requestTimeoutMs }),
        });
        await this.rt.replica.store.confirmations.registerPeer(this.rt.datasetId, p.connection.peerNodeId, { address: p.connector.url });
      }
      const before = { in: p.connection.bytesIn, out: p.connection.bytesOut };
      const { pulled, pushed } = await syncRound(p.connection, this.rt);
      this.rt.metrics.bytesIn += p.connection.bytesIn - before.in;
      this.rt.metrics.bytesOut += p.connection.bytesOut - before.out;
      p.failures = 0;
      p.nextRetryAt = 0;
      p.lastError = null;
      p.lastSuccessAt = Date.now();
      return { url: p.connector.url, ok: true, pulled, pushed };
    } catch (error) {
      p.connection?.close(1000, 'sync failed');
      p.connection = undefined;
      throw error;
    }
  }

  /** Records a failed attempt; attempt() has already dropped the connection, whose state is unknown. */
  private fail(p: PeerState, error: unknown): RoundReport['peers'][number] {
    p.failures++;
    p.nextRetryAt = Date.now() + backoffDelay(p.failures);
    const message = (error as Error)?.message ?? String(error);
    const code = isSluiceError(error) ? error.code : 'unknown';
    p.lastError = message;
    this.rt.metrics.roundFailures++;
    this.rt.metrics.errors++;
    this.rt.metrics.lastError = { code, message, at: Date.now() };
    this.options.onError?.(error, p.connector.url);
    return { url: p.connector.url, ok: false, pulled: 0, pushed: 0, error: message, code };
  }
}
