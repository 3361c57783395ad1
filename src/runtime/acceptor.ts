import { ALL_DATASETS, Revocations, type Revocation } from './revocations.ts';
import type { DatasetId } from '../core/dataset-id.ts';
import { isSluiceError } from '../core/errors.ts';
import { isPongFrame, pongFor } from '../protocol/heartbeat-frame.ts';
import { DEFAULT_HEARTBEAT_MS } from '../sync/connection.ts';
import { PortTransport, type PortLike } from '../protocol/port-transport.ts';
import { CLOSE_CODES, type CloseInfo, type Transport, type TransportHandlers } from '../protocol/transport.ts';
import { DEFAULT_MAX_CONNECTIONS_PER_PRINCIPAL, tokenDigest, type AuthOptions } from '../sync/auth.ts';
import { Authenticator, type PeerIdentity, type ServedDatasets } from '../sync/peer-identity.ts';
import type { AcceptedSession } from '../sync/accepted-session.ts';
import type { WorkerPipeline } from './worker/worker-pipeline.ts';
import { readHandshake, refusalAnswer, type Refusal } from './handshake-refusal.ts';

export interface AcceptOptions {
  readonly auth?: AuthOptions;
  readonly heartbeatMs?: number;
  readonly maxQueuedBytes?: number;
  /** A connection that has not completed its handshake by then is closed (4408). Default 10 s. */
  readonly handshakeTimeoutMs?: number;
  /**
   * Called when a connection served in this thread is accepted: a hub that hibernates keeps the
   * session beside its socket and serves it on after waking (see DatasetHost.resume).
   */
  readonly onAccepted?: (identity: PeerIdentity, session: AcceptedSession) => void;
  /**
   * The SHA-256 (hex, see tokenDigest) of the token a router in front of this hub verified at the
   * upgrade. The handshake must present that very token: otherwise a client could pass the router
   * with one identity and be served as another.
   */
  readonly upgradeTokenDigest?: string;
  /**
   * Close a JWT-authenticated connection when its token expires (4401, `auth_failed`), so a
   * session lasts no longer than the token it was opened with (tokens valid for more than 24 days
   * are not timed). Default true. An edge hub that hibernates turns it off: a timer per socket
   * would keep it awake.
   */
  readonly closeAtTokenExpiry?: boolean;
}

/** What the acceptor needs from the node it accepts for. */
export interface AcceptorHost {
  readonly nodeId: string;
  readonly maxFrameBytes: number;
  readonly defaultAuth: AuthOptions | undefined;
  readonly defaultHeartbeatMs: number | undefined;
  /** The datasets this node runs, or makes per identity (templates). */
  readonly served: ServedDatasets;
  /**
   * Opens a dataset made per identity before its first peer is served (a no-op for the others);
   * it stays open until the returned unpin, called once the peer is served or gone.
   */
  prepare(datasetId: DatasetId): Promise<() => void>;
  /** The worker running `datasetId`, if it runs in one. */
  workerFor(datasetId: DatasetId): WorkerPipeline | undefined;
  /** Serves an authenticated connection in this thread. */
  serveHere(transport: Transport, identity: PeerIdentity, options: AcceptOptions): void;
  /** Where revocations are kept; left out, in memory only. */
  readonly revocations?: Revocations;
}

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * What a peer may send ahead of the handshake's answer. An honest dialer sends nothing until it is
 * answered; the bound keeps a slow authentication (a remote JWKS, an authorize hook) from holding
 * much memory per socket.
 */
const MAX_EARLY_FRAMES = 4;
const MAX_EARLY_BYTES = 64 * 1024;

/**
 * Accepts peer connections for a node. Authentication comes before anything else: the first frame
 * must be a handshake, checked on this thread (token or JWT, the node id it may act as, the
 * datasets granted), and only an authenticated connection is handed to the dataset's pipeline,
 * here or in its worker. Silent sockets are closed after the handshake timeout, connections are
 * capped per principal, and no exception from a hostile frame leaves a transport callback.
 */
export class Acceptor {
  private readonly authenticators = new WeakMap<AuthOptions, Authenticator>();
  private readonly perPrincipal = new Map<string, number>();
  /** Connections handed over, by principal: what a revocation closes. */
  private readonly byPrincipal = new Map<string, Set<{ readonly datasets: readonly DatasetId[]; readonly issuedAt: number; close(reason: string): void }>>();
  /** Revoked grants: a token issued before the revocation no longer grants the dataset. */
  private readonly revocations: Revocations;
  private readonly live = new Set<Transport>();
  /** Relays to dataset workers, closed when their worker dies (the socket must not outlive it). */
  private readonly relays = new Map<DatasetId, Set<(code: number, reason: string) => void>>();

  constructor(private readonly host: AcceptorHost) {
    this.revocations = host.revocations ?? new Revocations(undefined, false);
    this.revocations.onRemote = (revocation) => this.closeRevoked(revocation);
  }

  /** Validates auth options once (a JWT key import, for instance) before any connection uses them. */
  authenticatorFor(auth: AuthOptions): Authenticator {
    let authenticator = this.authenticators.get(auth);
    if (!authenticator) {
      authenticator = new Authenticator(auth);
      this.authenticators.set(auth, authenticator);
    }
    return authenticator;
  }

  accept(transport: Transport, options: AcceptOptions = {}): void {
    const auth = options.auth ?? this.host.defaultAuth ?? {};
    const authenticator = this.authenticatorFor(auth);
    const early: Uint8Array[] = [];
    let earlyBytes = 0;
    let state: 'waiting' | 'authenticating' | 'handed-over' | 'closed' = 'waiting';
    let downstream: TransportHandlers | undefined;
    let closedWith: CloseInfo | undefined;
    let release = () => {};
    this.live.add(transport);

    const shut = (code: number, reason: string) => {
      if (state === 'closed') return;
      const servedBeyond = state === 'handed-over';
      state = 'closed';
      clearTimeout(timer);
      try {
        transport.close(code, reason.slice(0, 120));
      } catch {
        // already gone
      }
      // The transport's own close event finds the state closed and forwards nothing: the dataset's
      // side (a served connection, a worker relay) must hear it from here, or it lingers until its
      // heartbeat gives up on it.
      if (servedBeyond) downstream?.close({ code, reason: reason.slice(0, 120) });
    };
    const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const timer = setTimeout(() => shut(CLOSE_CODES.deadPeer, `handshake_timeout: no handshake within ${timeoutMs} ms`), timeoutMs);

    const handOver = (handshake: Uint8Array, identity: PeerIdentity, datasetId: DatasetId) => {
      clearTimeout(timer);
      state = 'handed-over';
      const replay: Transport = {
        remote: transport.remote,
        get bufferedAmount() {
          return transport.bufferedAmount;
        },
        send: (frame) => transport.send(frame),
        close: (code, reason) => transport.close(code, reason),
        start(handlers) {
          downstream = handlers;
          for (const f of [handshake, ...early.splice(0)]) handlers.frame(f);
          if (closedWith) handlers.close(closedWith);
        },
      };
      const worker = this.host.workerFor(datasetId);
      if (worker) this.relay(replay, worker, datasetId, identity, options);
      else this.host.serveHere(replay, identity, options);
    };

    const onHandshake = async (bytes: Uint8Array) => {
      const read = readHandshake(bytes, this.host.maxFrameBytes);
      if ('error' in read) {
        try {
          transport.send(read.error);
        } catch {
          // the peer left already
        }
        shut(CLOSE_CODES.protocolError, `${read.code}: expected a handshake`);
        return;
      }
      const { handshake: m, requestId } = read;
      const answer = (code: number, refusal: Refusal) => {
        if (state === 'closed') return;
        try {
          transport.send(refusalAnswer(m, requestId, this.host, refusal));
        } catch {
          // the peer left already
        }
        shut(code, refusal.notGranted ? `dataset_not_granted: ${m.datasetId}` : refusal.reason);
      };
      const refuse = (code: number, reason: string) => answer(code, { reason });
      if (options.upgradeTokenDigest !== undefined && tokenDigest(m.authToken) !== options.upgradeTokenDigest) {
        refuse(CLOSE_CODES.authFailed, 'auth_failed: the handshake presented another token than the connection was opened with');
        return;
      }
      let identity: PeerIdentity;
      try {
        identity = await authenticator.authenticate(m, this.host.served);
      } catch (error) {
        refuse(CLOSE_CODES.authFailed, isSluiceError(error) ? `${error.code}: ${error.message}` : 'auth_failed');
        return;
      }
      if (state === 'closed') return;
      // Before any storage read for it: a principal at its limit costs nothing more.
      const limit = auth.maxConnectionsPerPrincipal ?? DEFAULT_MAX_CONNECTIONS_PER_PRINCIPAL;
      const open = this.perPrincipal.get(principalKey(identity)) ?? 0;
      if (open >= limit) {
        refuse(CLOSE_CODES.overloaded, `too_many_connections: ${identity.principal.id} already has ${open} (limit ${limit})`);
        return;
      }
      const granted = identity.granted;
      try {
        identity = await this.withoutRevoked(identity);
      } catch (error) {
        refuse(CLOSE_CODES.shutdown, `storage_failure: revocations could not be read (${isSluiceError(error) ? error.code : 'unknown'})`);
        return;
      }
      if ((state as string) === 'closed') return;
      if (!identity.granted.includes(m.datasetId)) {
        // Answered here, so an ungranted dataset's pipeline never sees the peer. A grant taken back
        // says so: the client can tell a revocation from a dataset it never held.
        const revoked = granted.includes(m.datasetId);
        answer(CLOSE_CODES.notGranted, { reason: `dataset ${m.datasetId} ${revoked ? 'was revoked for' : 'is not granted to'} ${identity.principal.id}`, notGranted: true });
        return;
      }
      release = this.hold(identity);
      let unpin: () => void;
      try {
        unpin = await this.host.prepare(m.datasetId);
      } catch (error) {
        release();
        refuse(CLOSE_CODES.shutdown, `${isSluiceError(error) ? error.code : 'storage_failure'}: dataset ${m.datasetId} could not be opened`);
        return;
      }
      // The socket may have closed while the dataset opened.
      if ((state as string) === 'closed') {
        unpin();
        return;
      }
      const unregister = this.register(identity, (reason) => shut(CLOSE_CODES.notGranted, reason));
      // A revocation made while the dataset opened found nothing registered to close: look again.
      if (this.revokedSince(identity, m.datasetId)) {
        unregister();
        unpin();
        release();
        answer(CLOSE_CODES.notGranted, { reason: `dataset ${m.datasetId} was revoked for ${identity.principal.id}`, notGranted: true });
        return;
      }
      const expiry = options.closeAtTokenExpiry === false ? undefined : expiryTimer(identity, auth, () => shut(CLOSE_CODES.authFailed, 'auth_failed: the token expired; dial again with a fresh one'));
      const releaseCount = release;
      release = () => {
        clearTimeout(expiry);
        unregister();
        releaseCount();
      };
      handOver(bytes, identity, m.datasetId);
      // Served now: its connection is live on the dataset, which keeps it open from here.
      unpin();
    };

    transport.start({
      frame: (bytes) => {
        try {
          if (state === 'handed-over') return downstream?.frame(bytes);
          if (state === 'closed') return;
          if (state === 'authenticating') {
            earlyBytes += bytes.length;
            if (early.length >= MAX_EARLY_FRAMES || earlyBytes > MAX_EARLY_BYTES) shut(CLOSE_CODES.overloaded, 'too much sent before the handshake was answered');
            else early.push(bytes);
            return;
          }
          state = 'authenticating';
          onHandshake(bytes).catch(() => shut(1011, 'internal error while authenticating'));
        } catch {
          // A hostile frame ends its own connection, never the process.
          shut(1011, 'internal error');
        }
      },
      close: (info) => {
        closedWith = info;
        this.live.delete(transport);
        release();
        clearTimeout(timer);
        if (state === 'handed-over') downstream?.close(info);
        state = state === 'handed-over' ? state : 'closed';
      },
    });
  }

  /**
   * Counts a connection against its principal's limit until the returned release is called. The
   * acceptor does this for every connection it accepts; a hub that hibernated calls it for each
   * session it serves again, so the limit holds across a wake.
   */
  hold(identity: PeerIdentity): () => void {
    const principal = principalKey(identity);
    this.perPrincipal.set(principal, (this.perPrincipal.get(principal) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = (this.perPrincipal.get(principal) ?? 1) - 1;
      if (left > 0) this.perPrincipal.set(principal, left);
      else this.perPrincipal.delete(principal);
    };
  }

  /**
   * Takes back what `principalId` was granted: `datasetId`, or every dataset when left out. Its
   * open connections to those datasets close with 4403 (dataset_not_granted), and a token issued
   * before now no longer grants them; a token issued after (whose claims say what the principal
   * holds now) does. Resolves, once stored (see Revocations), to how many connections were closed.
   */
  async revoke(principalId: string, datasetId?: DatasetId): Promise<number> {
    const revocation: Revocation = { principal: principalId, datasetId: datasetId ?? ALL_DATASETS, at: Math.floor(Date.now() / 1000) };
    // Closed here first, whatever storage does; revoke() resolves once the record is stored too,
    // and rejects if it could not be (then a restart would bring the grant back: revoke again).
    const closed = this.closeRevoked(revocation);
    await this.revocations.revoke(revocation);
    return closed;
  }

  /**
   * Closes this hub's open connections that `revocation` takes back (4403). Also called for a
   * revocation made by another hub of a cluster. Returns how many it closed.
   */
  closeRevoked(revocation: Revocation): number {
    this.revocations.remember(revocation);
    const scope = revocation.datasetId;
    let closed = 0;
    for (const connection of [...(this.byPrincipal.get(`sub:${revocation.principal}`) ?? [])]) {
      if (scope !== ALL_DATASETS && !connection.datasets.includes(scope)) continue;
      // A token issued after the revocation was issued knowing it: its session stands.
      if (connection.issuedAt > revocation.at) continue;
      connection.close(`dataset_not_granted: revoked${scope === ALL_DATASETS ? '' : ` for ${scope}`}`);
      closed++;
    }
    return closed;
  }

  /** The identity without the datasets revoked for tokens as old as its own (JWT principals only). */
  private async withoutRevoked(identity: PeerIdentity): Promise<PeerIdentity> {
    if (!identity.principal.verified) return identity;
    await this.revocations.refresh(identity.principal.id, identity.granted);
    const stillGranted = identity.granted.filter((ds) => !this.revokedSince(identity, ds));
    return stillGranted.length === identity.granted.length ? identity : { ...identity, granted: stillGranted };
  }

  /** Whether what is known now revokes `datasetId` for this identity's token. */
  private revokedSince(identity: PeerIdentity, datasetId: DatasetId): boolean {
    return identity.principal.verified && this.revocations.revokes(identity.principal.id, datasetId, issuedAtOf(identity));
  }

  private register(identity: PeerIdentity, close: (reason: string) => void): () => void {
    const key = principalKey(identity);
    const connections = this.byPrincipal.get(key) ?? new Set();
    this.byPrincipal.set(key, connections);
    const entry = { datasets: identity.granted, issuedAt: issuedAtOf(identity), close };
    connections.add(entry);
    return () => {
      connections.delete(entry);
      if (connections.size === 0) this.byPrincipal.delete(key);
    };
  }

  /** Closes the connections relayed to a dataset's worker (it died: its peers reconnect to the new one). */
  closeRelays(datasetId: DatasetId, reason: string): void {
    for (const shut of [...(this.relays.get(datasetId) ?? [])]) shut(CLOSE_CODES.shutdown, reason);
  }

  /** Closes every connection still open (node shutdown). */
  closeAll(code: number, reason: string): void {
    void this.revocations.close();
    for (const t of this.live) {
      try {
        t.close(code, reason);
      } catch {
        // already gone
      }
    }
    this.live.clear();
  }

  /**
   * Bridges an authenticated connection to the worker running its dataset over a MessageChannel.
   * Frames toward the worker are copied into buffers this side owns before they are transferred:
   * a socket library may reuse the buffer it handed us.
   */
  private relay(transport: Transport, worker: WorkerPipeline, datasetId: DatasetId, identity: PeerIdentity, options: AcceptOptions): void {
    const { port1, port2 } = new MessageChannel();
    const toWorker = new PortTransport(port1 as unknown as PortLike, transport.remote);
    let open = true;
    // Liveness lives here, with the socket: pings are answered on this thread and never cross to
    // the worker, so an idle client costs the worker nothing, and a peer silent for two heartbeat
    // intervals is dropped here (the worker's side of the connection runs without heartbeats).
    const heartbeatMs = options.heartbeatMs ?? this.host.defaultHeartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    let lastSeen = Date.now();
    const watch = heartbeatMs > 0 ? setInterval(() => Date.now() - lastSeen > 2 * heartbeatMs && shut(CLOSE_CODES.deadPeer, 'peer stopped answering heartbeats'), heartbeatMs) : undefined;
    (watch as { unref?: () => void } | undefined)?.unref?.();
    const relays = this.relays.get(datasetId) ?? new Set();
    this.relays.set(datasetId, relays);
    const shut = (code: number, reason: string) => {
      if (!open) return;
      open = false;
      clearInterval(watch);
      relays.delete(shut);
      transport.close(code, reason);
      toWorker.close(code, reason);
    };
    relays.add(shut);
    toWorker.start({
      frame: (bytes) => {
        try {
          transport.send(bytes);
        } catch {
          shut(1011, 'socket gone');
        }
      },
      close: (info) => shut(info.code, info.reason),
    });
    transport.start({
      frame: (bytes) => {
        if (!open) return;
        lastSeen = Date.now();
        try {
          const pong = pongFor(bytes);
          if (pong) transport.send(pong);
          else if (!isPongFrame(bytes)) toWorker.send(bytes.slice());
        } catch {
          shut(1011, 'dataset worker unavailable');
        }
      },
      close: (info) => shut(info.code, info.reason),
    });
    worker.serve(port2, transport.remote, identity, 0).catch(() => shut(CLOSE_CODES.shutdown, 'dataset worker unavailable'));
  }
}

/** When the identity's token was issued (epoch s); 0 when it does not say, which every revocation covers. */
function issuedAtOf(identity: PeerIdentity): number {
  const iat = identity.principal.claims.iat;
  return typeof iat === 'number' && Number.isFinite(iat) ? iat : 0;
}

/** Verified and declared identities never share a count: a declared id cannot use up a JWT subject's slots. */
function principalKey(identity: PeerIdentity): string {
  return `${identity.principal.verified ? 'sub' : 'declared'}:${identity.principal.id}`;
}

/** Largest delay setTimeout honours (about 24.8 days); a later expiry is not timed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A timer that fires when a verified token's `exp` (plus the hub's clock tolerance) passes, or
 * undefined for a principal without one (a shared token, an open hub).
 */
function expiryTimer(identity: PeerIdentity, auth: AuthOptions, expire: () => void): ReturnType<typeof setTimeout> | undefined {
  const exp = identity.principal.verified ? identity.principal.claims.exp : undefined;
  if (typeof exp !== 'number') return undefined;
  const delay = (exp + (auth.jwt?.clockToleranceSec ?? 30)) * 1000 - Date.now();
  if (delay > MAX_TIMER_MS) return undefined;
  const timer = setTimeout(expire, Math.max(0, delay));
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
