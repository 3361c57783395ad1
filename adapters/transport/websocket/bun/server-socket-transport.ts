import { CLOSE_CODES, type CloseInfo, type Transport, type TransportHandlers } from '../../../../src/protocol/transport.ts';

/**
 * The part of Bun's ServerWebSocket used here. It is not a WHATWG WebSocket: events arrive through
 * the server's `websocket` handlers instead of listeners, and send() reports backpressure.
 */
export interface BunServerWebSocketLike {
  readonly readyState: number;
  /** Bytes sent, -1 when queued behind backpressure, 0 when dropped (or the socket is closed). */
  send(data: Uint8Array, compress?: boolean): number;
  close(code?: number, reason?: string): void;
  /** Bun >= 1.2.x; older versions report 0 buffered bytes. */
  getBufferedAmount?(): number;
}

const OPEN = 1;

/** A Transport over one Bun ServerWebSocket; the server forwards its `message` and `close` events. */
export class BunServerSocketTransport implements Transport {
  private handlers: TransportHandlers | undefined;
  private early: Uint8Array[] = [];
  private closedWith: CloseInfo | undefined;

  constructor(
    private readonly socket: BunServerWebSocketLike,
    readonly remote: string,
  ) {}

  get bufferedAmount(): number {
    return this.socket.getBufferedAmount?.() ?? 0;
  }

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    for (const bytes of this.early.splice(0)) handlers.frame(bytes);
    if (this.closedWith) handlers.close(this.closedWith);
  }

  send(frame: Uint8Array): void {
    if (this.closedWith || this.socket.readyState !== OPEN) throw new Error('socket is not open');
    if (this.socket.send(frame, false) === 0) {
      // Bun dropped the frame (backpressure limit): end the connection rather than leave a gap in it.
      this.close(CLOSE_CODES.overloaded, 'send buffer full');
      throw new Error('socket dropped a frame: send buffer full');
    }
  }

  close(code = 1000, reason = ''): void {
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.close();
    }
  }

  /** From the server's `message` handler. */
  receive(data: string | ArrayBuffer | Uint8Array): void {
    if (this.closedWith) return;
    // Nothing a peer sends may throw out of the server's callback.
    try {
      const bytes = toBytes(data);
      if (this.handlers) this.handlers.frame(bytes);
      else this.early.push(bytes);
    } catch {
      this.close(1011, 'internal error handling a frame');
    }
  }

  /** From the server's `close` handler. */
  closed(info: CloseInfo): void {
    if (this.closedWith) return;
    this.closedWith = info;
    this.handlers?.close(info);
  }
}

/**
 * Binary messages are frames. Text messages are not: they become bytes that cannot parse as a
 * frame header (type 0), as in WebSocketTransport, so the connection reports malformed_frame.
 */
function toBytes(data: string | ArrayBuffer | Uint8Array): Uint8Array {
  if (typeof data === 'string') return new Uint8Array([0, 0xff]);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // A view into a larger (pooled) buffer is copied, so the frame owns its bytes while it waits to be handled.
  // (new Uint8Array(view) copies; Buffer#slice would not.)
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return new Uint8Array(data.buffer);
  return new Uint8Array(data);
}
