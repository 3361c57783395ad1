import { SluiceError } from '../../../src/core/errors.ts';
import { DEFAULT_MAX_FRAME_BYTES, FrameSplitter, prefixLength } from '../../../src/protocol/frame.ts';
import type { CloseInfo, Transport, TransportHandlers } from '../../../src/protocol/transport.ts';

/** One bidirectional byte stream, as WebTransport (browsers, Deno) hands it out. */
export interface ByteStreamPair {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

export interface StreamTransportOptions {
  /** Incoming frames above this close the transport before they are buffered. */
  readonly maxFrameBytes?: number;
  /** Ends what carries the stream (the WebTransport session), with a code and reason. */
  readonly closeSession?: (code: number, reason: string) => void;
  /** Settles when what carries the stream ends; a rejection counts as an abnormal close. */
  readonly sessionClosed?: Promise<{ closeCode?: number; reason?: string } | undefined>;
}

/** RFC 6455 "message too big", reused so both transports report an oversized frame alike. */
export const MESSAGE_TOO_BIG = 1009;
const ABNORMAL = 1006;

/**
 * A Transport over one bidirectional byte stream: each frame goes out as `prefixLength(frame)`
 * and is reassembled on the other side by FrameSplitter. One stream carries one connection, so
 * a dataset never waits behind another dataset's bytes.
 */
export class StreamTransport implements Transport {
  private handlers: TransportHandlers | undefined;
  private early: Uint8Array[] = [];
  private closedWith: CloseInfo | undefined;
  private pending = 0;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly splitter: FrameSplitter;
  private readonly maxFrameBytes: number;

  constructor(
    stream: ByteStreamPair,
    readonly remote: string,
    private readonly options: StreamTransportOptions = {},
  ) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.splitter = new FrameSplitter(this.maxFrameBytes);
    this.writer = stream.writable.getWriter();
    this.reader = stream.readable.getReader();
    void this.readLoop();
    options.sessionClosed?.then(
      (info) => this.onClose({ code: info?.closeCode ?? 0, reason: info?.reason ?? 'session closed' }),
      (error: unknown) => this.onClose({ code: ABNORMAL, reason: `session failed: ${(error as Error)?.message ?? String(error)}` }),
    );
  }

  /** Bytes handed to send() whose write has not completed yet. */
  get bufferedAmount(): number {
    return this.pending;
  }

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    for (const bytes of this.early.splice(0)) handlers.frame(bytes);
    if (this.closedWith) handlers.close(this.closedWith);
  }

  send(frame: Uint8Array): void {
    if (this.closedWith) throw new SluiceError('connection_closed', `Connection to ${this.remote} is closed.`);
    if (frame.length > this.maxFrameBytes) {
      throw new SluiceError('frame_too_large', `Frame of ${frame.length} bytes exceeds the ${this.maxFrameBytes}-byte limit: send smaller batches or raise maxFrameBytes on both peers.`, { size: frame.length, limit: this.maxFrameBytes });
    }
    const chunk = prefixLength(frame);
    this.pending += chunk.length;
    this.writer.write(chunk).then(
      () => (this.pending -= chunk.length),
      (error: unknown) => {
        this.pending -= chunk.length;
        this.onClose({ code: ABNORMAL, reason: `write failed: ${(error as Error)?.message ?? String(error)}` });
      },
    );
  }

  /** Closing is final at once, as with the WebSocket transport. */
  close(code = 1000, reason = ''): void {
    if (this.closedWith) return;
    this.onClose({ code, reason });
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) break;
        if (this.closedWith) return;
        for (const frame of this.splitter.push(value)) {
          if (this.handlers) this.handlers.frame(frame);
          else this.early.push(frame);
        }
      }
      this.onClose({ code: 1000, reason: 'stream ended' });
    } catch (error) {
      if (error instanceof SluiceError && error.code === 'frame_too_large') {
        this.onClose({ code: MESSAGE_TOO_BIG, reason: `frame above ${this.maxFrameBytes} bytes` });
      } else {
        this.onClose({ code: ABNORMAL, reason: `read failed: ${(error as Error)?.message ?? String(error)}` });
      }
    }
  }

  private onClose(info: CloseInfo): void {
    if (this.closedWith) return;
    this.closedWith = info;
    this.reader.cancel().catch(() => undefined);
    this.writer.close().catch(() => undefined);
    try {
      this.options.closeSession?.(info.code, info.reason);
    } catch {
      // already closed
    }
    this.handlers?.close(info);
  }
}
