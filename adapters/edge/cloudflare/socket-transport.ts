import { SluiceError } from '../../../src/core/errors.ts';
import type { CloseInfo, Transport, TransportHandlers } from '../../../src/protocol/transport.ts';
import type { HibernatableWebSocket } from './workers-types.ts';

/**
 * A Transport over a socket accepted with the hibernation API. The socket has no listeners: the
 * runtime calls the object's webSocketMessage and webSocketClose, which hand frames and the close
 * to deliver() and ended(). Rebuilt, with a new Connection, for every socket still open when a
 * hibernated object wakes.
 */
export class HibernatingTransport implements Transport {
  private handlers: TransportHandlers | undefined;
  private readonly early: Uint8Array[] = [];
  private closedWith: CloseInfo | undefined;
  private readonly endListeners: (() => void)[] = [];

  constructor(
    readonly socket: HibernatableWebSocket,
    readonly remote: string,
  ) {}

  /**
   * workerd does not report how much a socket has yet to send. Slow readers are held back by the
   * notice credit they return, and a socket that stops reading is dropped by the platform.
   */
  get bufferedAmount(): number {
    return 0;
  }

  get isClosed(): boolean {
    return this.closedWith !== undefined;
  }

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    for (const bytes of this.early.splice(0)) handlers.frame(bytes);
    if (this.closedWith) handlers.close(this.closedWith);
  }

  /** One WebSocket message: one frame. */
  deliver(bytes: Uint8Array): void {
    if (this.closedWith) return;
    if (this.handlers) this.handlers.frame(bytes);
    else this.early.push(bytes);
  }

  send(frame: Uint8Array): void {
    if (this.closedWith) throw new SluiceError('connection_closed', `Connection to ${this.remote} is closed.`);
    this.socket.send(frame);
  }

  close(code = 1000, reason = ''): void {
    try {
      this.socket.close(code, reason);
    } catch {
      // already closing
    }
    this.ended({ code, reason });
  }

  /** The peer closed, or the socket failed. */
  ended(info: CloseInfo): void {
    if (this.closedWith) return;
    this.closedWith = info;
    this.handlers?.close(info);
    for (const listener of this.endListeners.splice(0)) listener();
  }

  /** Called once when the socket ends (at once if it has). */
  onEnded(listener: () => void): void {
    if (this.closedWith) listener();
    else this.endListeners.push(listener);
  }
}
