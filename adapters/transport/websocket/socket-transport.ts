import { SluiceError } from '../../../src/core/errors.ts';
import type { CloseInfo, Transport, TransportHandlers } from '../../../src/protocol/transport.ts';

/** The part of the WHATWG WebSocket API sluice uses; browsers, Deno, Bun, Node >= 22 and `ws` all have it. */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

const OPEN = 1;

/** A Transport over one WebSocket: one binary message is one frame. */
export class WebSocketTransport implements Transport {
  private handlers: TransportHandlers | undefined;
  private early: Uint8Array[] = [];
  private closedWith: CloseInfo | undefined;

  constructor(
    private readonly socket: WebSocketLike,
    readonly remote: string,
  ) {
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event) => {
      // Nothing a peer sends may throw out of a socket callback: that would end the process.
      try {
        const bytes = toBytes(event.data);
        if (this.handlers) this.handlers.frame(bytes);
        else this.early.push(bytes);
      } catch {
        this.close(1011, 'internal error handling a frame');
      }
    });
    socket.addEventListener('close', (event) => this.onClose({ code: event.code, reason: event.reason }));
    socket.addEventListener('error', () => this.onClose({ code: 1006, reason: 'socket error' }));
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    for (const bytes of this.early.splice(0)) handlers.frame(bytes);
    if (this.closedWith) handlers.close(this.closedWith);
  }

  send(frame: Uint8Array): void {
    if (this.closedWith || this.socket.readyState !== OPEN) {
      throw new SluiceError('connection_closed', `Connection to ${this.remote} is closed.`);
    }
    this.socket.send(frame);
  }

  /** Closing is final at once: the connection learns now, not when the peer's close frame comes back. */
  close(code = 1000, reason = ''): void {
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.close();
    }
    this.onClose({ code, reason });
  }

  private onClose(info: CloseInfo): void {
    if (this.closedWith) return;
    this.closedWith = info;
    this.handlers?.close(info);
  }
}

/**
 * Text messages are not frames. They are passed on as bytes that cannot parse as a frame header
 * (type 0), so the connection reports malformed_frame instead of guessing an encoding.
 */
function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    const parts = data as Uint8Array[];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
  return new Uint8Array([0, 0xff]);
}
