import type { CloseInfo, Transport, TransportHandlers } from './transport.ts';

/** The part of MessagePort used here (web MessagePort and Node's worker_threads port both fit). */
export interface PortLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener?(type: 'message', listener: (event: { data: unknown }) => void): void;
  on?(type: 'message', listener: (data: unknown) => void): void;
  start?(): void;
  close(): void;
}

interface CloseMessage {
  readonly close: CloseInfo;
}

/**
 * A Transport over a MessagePort: frames cross as transferred buffers, and a close travels as a
 * small control message. A hub uses it to hand a peer's connection to the worker that runs the
 * dataset the peer asked for.
 */
export class PortTransport implements Transport {
  private handlers: TransportHandlers | undefined;
  private early: Uint8Array[] = [];
  private closedWith: CloseInfo | undefined;

  constructor(
    private readonly port: PortLike,
    readonly remote: string,
  ) {
    const onData = (data: unknown) => {
      try {
        if (data instanceof Uint8Array) {
          if (this.handlers) this.handlers.frame(data);
          else this.early.push(data);
        } else if (data && typeof data === 'object' && 'close' in data) {
          this.finish((data as CloseMessage).close);
        }
      } catch {
        // A frame must never throw out of a port callback (it would end the worker or the process).
        this.close(1011, 'internal error handling a frame');
      }
    };
    if (port.on) port.on('message', onData);
    else port.addEventListener?.('message', (event) => onData(event.data));
    port.start?.();
  }

  get bufferedAmount(): number {
    return 0;
  }

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    for (const bytes of this.early.splice(0)) handlers.frame(bytes);
    if (this.closedWith) handlers.close(this.closedWith);
  }

  send(frame: Uint8Array): void {
    if (this.closedWith) throw new Error('port transport is closed');
    sendFrame(this.port, frame);
  }

  close(code = 1000, reason = ''): void {
    if (this.closedWith) return;
    const message: CloseMessage = { close: { code, reason } };
    this.port.postMessage(message);
    this.finish({ code, reason });
  }

  private finish(info: CloseInfo): void {
    if (this.closedWith) return;
    this.closedWith = info;
    this.handlers?.close(info);
    this.port.close();
  }
}

/** Posts a frame, transferring its buffer when the view owns all of it. */
export function sendFrame(port: PortLike, frame: Uint8Array): void {
  const owns = frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength;
  const copy = owns ? frame : frame.slice();
  port.postMessage(copy, [copy.buffer as ArrayBuffer]);
}
