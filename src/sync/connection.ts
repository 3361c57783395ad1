import { SluiceError, isSluiceError, type SluiceErrorCode } from '../core/errors.ts';
import { FrameCodec } from '../protocol/frame-codec.ts';
import type { Message } from '../protocol/messages.ts';
import { isPongFrame, pongFor } from '../protocol/heartbeat-frame.ts';
import { CLOSE_CODES, type CloseInfo, type Transport } from '../protocol/transport.ts';

/** What a request handler answers: one message, or a stream (snapshot chunks) ending with isLast. */
export type Reply = Message | AsyncIterable<Message>;
export type RequestHandler = (message: Message, connection: Connection) => Promise<Reply>;

export interface ConnectionOptions {
  readonly role: 'dialer' | 'acceptor';
  readonly codec?: FrameCodec;
  readonly requestTimeoutMs?: number;
  /** Dialers ping this often; both sides drop a peer silent for twice as long. 0 disables. */
  readonly heartbeatMs?: number;
  /** Bytes of received frames waiting to be handled before the connection is dropped as overloaded. */
  readonly maxQueuedBytes?: number;
  readonly onRequest?: RequestHandler;
  /** Unasked messages from the peer (headsAdvanced). Called in arrival order; never answered. */
  readonly onNotice?: (message: Message) => void;
  /** Also counts every frame's bytes here as they cross (a dataset's metrics), not only on the connection. */
  readonly traffic?: Traffic;
}

export interface Traffic {
  bytesIn: number;
  bytesOut: number;
}

interface Pending {
  resolve(message: Message): void;
  reject(error: Error): void;
  chunks?: { push(message: Message): void };
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The largest notice window an acceptor honours (of notices up to 64 KiB of entries each). */
const MAX_NOTICE_WINDOW = 1_024;

const FATAL: ReadonlySet<SluiceErrorCode> = new Set(['malformed_frame', 'frame_too_large', 'unknown_message_type', 'protocol_violation']);
const REMOTE_CODES: ReadonlySet<string> = new Set<SluiceErrorCode>([
  'auth_failed', 'dataset_not_granted', 'dataset_read_only', 'hash_mismatch', 'chain_broken', 'clock_drift', 'snapshot_required',
  'malformed_frame', 'frame_too_large', 'unknown_message_type', 'protocol_violation', 'invalid_entry', 'invalid_dataset_id', 'timeout',
  'author_not_allowed', 'timestamp_conflict', 'bad_signature', 'too_many_connections', 'invalid_payload', 'payload_too_large', 'payload_too_deep', 'invalid_snapshot',
]);

/** How often a dialer pings by default; both sides drop a peer silent for twice as long. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * Symmetric request/response over one transport. Either side may send requests: ids are odd for
 * the dialer and even for the acceptor, so a response is never mistaken for a request. Responses
 * are dispatched as soon as they are decoded, while requests are handled one at a time, so a
 * handler may itself call request() on the same connection without deadlock.
 */
export class Connection {
  readonly role: 'dialer' | 'acceptor';
  readonly codec: FrameCodec;
  readonly closed: Promise<CloseInfo>;
  /** Set by the handshake: the peer's node id and the datasets it granted us. */
  peerNodeId = '';
  /** Set by the handshake: false when the peer only uploads, so commits are not announced to it. */
  wantsNotices = true;
  /** Dialer: the acceptor reads NoticeCredit (its handshake said so). */
  takesNoticeCredit = false;
  /** Dialer: the acceptor granted the dataset read-only (its handshake said so): pull, never push. */
  readOnly = false;
  /** Dialer: when the token this connection presented expires (epoch ms), if it is a JWT. */
  tokenExpiresAt: number | undefined;
  /** Acceptor: notices with entries the peer takes before it returns credit (Infinity: it set no limit). */
  private noticeWindow = Number.POSITIVE_INFINITY;
  private noticeCredits = Number.POSITIVE_INFINITY;
  private readonly transport: Transport;
  private readonly pending = new Map<number, Pending>();
  private readonly requestTimeoutMs: number;
  private readonly maxQueuedBytes: number;
  private onRequest: RequestHandler | undefined;
  private onNotice: ((message: Message) => void) | undefined;
  private nextId: number;
  private decodeChain: Promise<void> = Promise.resolve();
  private requestChain: Promise<void> = Promise.resolve();
  private queuedBytes = 0;
  private isClosed = false;
  private resolveClosed!: (info: CloseInfo) => void;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastSeen = Date.now();
  bytesIn = 0;
  bytesOut = 0;
  private readonly traffic: Traffic | undefined;

  constructor(transport: Transport, options: ConnectionOptions) {
    this.transport = transport;
    this.traffic = options.traffic;
    this.role = options.role;
    this.codec = options.codec ?? new FrameCodec();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 4 * this.codec.maxFrameBytes;
    this.onRequest = options.onRequest;
    this.onNotice = options.onNotice;
    this.nextId = options.role === 'dialer' ? 1 : 2;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    transport.start({ frame: (bytes) => this.receive(bytes), close: (info) => this.finish(info) });
    const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    if (heartbeatMs > 0) this.startHeartbeat(heartbeatMs);
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  get remote(): string {
    return this.transport.remote;
  }

  setRequestHandler(handler: RequestHandler): void {
    this.onRequest = handler;
  }

  setNoticeHandler(handler: (message: Message) => void): void {
    this.onNotice = handler;
  }

  /** Acceptor, at the handshake: the peer's window of notices with entries (0: no limit). */
  grantNoticeCredit(window: number): void {
    this.noticeWindow = window > 0 ? Math.min(window, MAX_NOTICE_WINDOW) : Number.POSITIVE_INFINITY;
    this.noticeCredits = this.noticeWindow;
  }

  /** Acceptor: spends one credit for a notice that carries entries; false when the peer has none left. */
  takeNoticeCredit(): boolean {
    if (this.noticeCredits <= 0) return false;
    this.noticeCredits--;
    return true;
  }

  /** Sends a message that gets no answer (headsAdvanced). Fails only when the connection is closed. */
  notify(message: Message): Promise<void> {
    return this.send(message, this.allocateId());
  }

  /** Sends a request and waits for its single response. An Error reply rejects with its code. */
  request(message: Message, timeoutMs = this.requestTimeoutMs): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const id = this.allocateId();
      const pending: Pending = { resolve, reject, timer: undefined };
      this.arm(id, pending, timeoutMs);
      this.send(message, id).catch((error) => this.settle(id, undefined, error as Error));
    });
  }

  /** Sends a request whose reply is a stream of messages, the last one flagged isLast. */
  async *requestStream(message: Message, timeoutMs = this.requestTimeoutMs): AsyncGenerator<Message> {
    const queue: Message[] = [];
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    let done = false;
    const id = this.allocateId();
    const pending: Pending = {
      resolve: (m) => {
        queue.push(m);
        done = true;
        wake?.();
      },
      reject: (e) => {
        failure = e;
        wake?.();
      },
      chunks: {
        push: (m) => {
          queue.push(m);
          this.arm(id, pending, timeoutMs); // each chunk restarts the idle timer
          wake?.();
        },
      },
      timer: undefined,
    };
    this.arm(id, pending, timeoutMs);
    await this.send(message, id);
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (failure) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  }

  async send(message: Message, requestId: number): Promise<void> {
    if (this.isClosed) throw new SluiceError('connection_closed', `Connection to ${this.remote} is closed.`);
    this.sendFrame(await this.codec.encode(message, requestId));
  }

  private sendFrame(frame: Uint8Array): void {
    if (this.isClosed) throw new SluiceError('connection_closed', `Connection to ${this.remote} is closed.`);
    this.bytesOut += frame.length;
    if (this.traffic) this.traffic.bytesOut += frame.length;
    try {
      this.transport.send(frame);
    } catch (error) {
      // The transport died under us: the connection is over, whatever the transport's error type.
      this.finish({ code: 1006, reason: (error as Error)?.message ?? 'send failed' });
      throw new SluiceError('connection_closed', `Connection to ${this.remote} is closed.`, {}, { cause: error });
    }
  }

  close(code: number = CLOSE_CODES.normal, reason = 'closing'): void {
    if (this.isClosed) return;
    try {
      this.transport.close(code, reason);
    } catch {
      // already gone
    }
    this.finish({ code, reason });
  }

  /** Bytes the transport still has to put on the wire: callers pause when this grows. */
  get bufferedAmount(): number {
    return this.transport.bufferedAmount;
  }

  private allocateId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff_fffd ? (this.role === 'dialer' ? 1 : 2) : this.nextId + 2;
    return id;
  }

  private arm(id: number, pending: Pending, timeoutMs: number): void {
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      this.settle(id, undefined, new SluiceError('timeout', `No answer from ${this.remote} within ${timeoutMs} ms.`));
    }, timeoutMs);
    this.pending.set(id, pending);
  }

  private settle(id: number, message: Message | undefined, error?: Error): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(message!);
  }

  private isOwnId(id: number): boolean {
    return (id % 2 === 1) === (this.role === 'dialer');
  }

  private receive(bytes: Uint8Array): void {
    if (this.isClosed) return;
    this.lastSeen = Date.now();
    this.bytesIn += bytes.length;
    if (this.traffic) this.traffic.bytesIn += bytes.length;
    // Heartbeats skip the codec and the decode queue: an idle peer costs a header check per ping.
    const pong = pongFor(bytes);
    if (pong) {
      try {
        this.sendFrame(pong);
      } catch {
        // The transport died: sendFrame closed the connection.
      }
      return;
    }
    if (isPongFrame(bytes)) return;
    this.queuedBytes += bytes.length;
    if (this.queuedBytes > this.maxQueuedBytes) {
      this.close(CLOSE_CODES.overloaded, `more than ${this.maxQueuedBytes} bytes of frames waiting`);
      return;
    }
    // Decoding may await decompression; chaining keeps frames in arrival order.
    this.decodeChain = this.decodeChain.then(() => this.dispatch(bytes));
  }

  private async dispatch(bytes: Uint8Array): Promise<void> {
    if (this.isClosed) return;
    let decoded;
    try {
      decoded = await this.codec.decode(bytes);
    } catch (error) {
      this.queuedBytes -= bytes.length;
      this.reportAndMaybeClose(error, bytes.length >= 6 ? readId(bytes) : 0);
      return;
    }
    const { requestId, message } = decoded;
    if (message.kind === 'ping') {
      this.queuedBytes -= bytes.length;
      this.send({ kind: 'pong', nonce: message.nonce }, requestId).catch(() => undefined);
      return;
    }
    if (message.kind === 'pong') {
      this.queuedBytes -= bytes.length;
      return;
    }
    if (message.kind === 'noticeCredit') {
      this.queuedBytes -= bytes.length;
      // Only a dialer returns credit, and never beyond the window it asked for.
      if (this.role === 'acceptor' && !this.isOwnId(requestId)) this.noticeCredits = Math.min(this.noticeWindow, this.noticeCredits + message.notices);
      return;
    }
    if (message.kind === 'headsAdvanced') {
      this.queuedBytes -= bytes.length;
      // Only an acceptor sends these (a dialer's would be a request id of the wrong parity).
      if (this.role === 'dialer' && !this.isOwnId(requestId)) {
        try {
          this.onNotice?.(message);
        } catch {
          // A notice is advice: a failing listener must not take the connection down.
        }
      }
      return;
    }
    if (this.isOwnId(requestId)) {
      this.queuedBytes -= bytes.length;
      this.deliverResponse(requestId, message);
      return;
    }
    this.requestChain = this.requestChain.then(async () => {
      try {
        await this.handleRequest(requestId, message);
      } finally {
        this.queuedBytes -= bytes.length;
      }
    });
  }

  private deliverResponse(id: number, message: Message): void {
    const pending = this.pending.get(id);
    if (!pending) return; // late answer to a request that timed out
    if (message.kind === 'error') {
      const code = (REMOTE_CODES.has(message.code) ? message.code : 'remote_error') as SluiceErrorCode;
      this.settle(id, undefined, new SluiceError(code, `Peer ${this.peerNodeId || this.remote} answered ${message.code}: ${message.message}`, { remoteCode: message.code, datasetId: message.datasetId }));
      return;
    }
    if (pending.chunks && message.kind === 'snapshotChunk' && !message.isLast) {
      pending.chunks.push(message);
      return;
    }
    this.settle(id, message);
  }

  private async handleRequest(id: number, message: Message): Promise<void> {
    if (!this.onRequest) {
      await this.sendError(id, new SluiceError('protocol_violation', `This peer does not accept ${message.kind} requests.`), '');
      return;
    }
    try {
      const reply = await this.onRequest(message, this);
      if (Symbol.asyncIterator in reply) {
        for await (const part of reply as AsyncIterable<Message>) await this.send(part, id);
      } else {
        await this.send(reply as Message, id);
      }
    } catch (error) {
      if (this.isClosed) return;
      const datasetId = 'datasetId' in message ? message.datasetId : '';
      this.reportAndMaybeClose(error, id, datasetId);
    }
  }

  private reportAndMaybeClose(error: unknown, id: number, datasetId = ''): void {
    const err = isSluiceError(error) ? error : new SluiceError('remote_error', `Internal error: ${(error as Error)?.message ?? String(error)}`);
    this.sendError(id, err, datasetId).finally(() => {
      if (FATAL.has(err.code)) this.close(CLOSE_CODES.protocolError, err.code);
      if (err.code === 'auth_failed') this.close(CLOSE_CODES.authFailed, err.message.slice(0, 120));
    });
  }

  private async sendError(id: number, error: SluiceError, datasetId: string): Promise<void> {
    await this.send({ kind: 'error', code: error.code, message: error.message, datasetId: datasetId || 'primary' }, id).catch(() => undefined);
  }

  private startHeartbeat(heartbeatMs: number): void {
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastSeen > 2 * heartbeatMs) {
        this.close(CLOSE_CODES.deadPeer, 'peer stopped answering heartbeats');
        return;
      }
      if (this.role === 'dialer') this.send({ kind: 'ping', nonce: Date.now() }, this.allocateId()).catch(() => undefined);
    }, heartbeatMs);
    // A heartbeat alone must not keep a process alive.
    (this.heartbeat as { unref?: () => void }).unref?.();
  }

  private finish(info: CloseInfo): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const id of [...this.pending.keys()]) {
      this.settle(id, undefined, new SluiceError('connection_closed', `Connection to ${this.remote} closed (${info.code} ${info.reason}).`, { ...info }));
    }
    this.resolveClosed(info);
  }
}

function readId(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2, true);
}
