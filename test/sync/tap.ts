import { FrameCodec } from '../../src/protocol/frame-codec.ts';
import type { Message } from '../../src/protocol/messages.ts';
import type { Connector, Transport } from '../../src/protocol/transport.ts';

/** Called with every frame the dialer sends or receives, in the order they pass. */
export interface FrameObserver {
  sent?(frame: Uint8Array): void;
  received?(frame: Uint8Array): void;
}

/** Wraps a connector so a test sees every frame of its connections, unchanged and in order. */
export function observeConnector(inner: Connector, observer: FrameObserver): Connector {
  return {
    url: inner.url,
    token: inner.token,
    async connect(signal) {
      const transport = await inner.connect(signal);
      const observed: Transport = {
        remote: transport.remote,
        get bufferedAmount() {
          return transport.bufferedAmount;
        },
        send: (frame) => {
          observer.sent?.(frame);
          return transport.send(frame);
        },
        close: (code, reason) => transport.close(code, reason),
        start(handlers) {
          transport.start({
            close: handlers.close,
            frame(bytes) {
              observer.received?.(bytes);
              handlers.frame(bytes);
            },
          });
        },
      };
      return observed;
    },
  };
}

export interface TappedConnector extends Connector {
  /** Resolves once every frame seen so far has been decoded and reported. */
  settled(): Promise<void>;
}

/** Wraps a connector so a test can see every message the dialer receives (inflating compressed frames). */
export function tapConnector(inner: Connector, onMessage: (message: Message) => void): TappedConnector {
  const codec = new FrameCodec({ codec: 'deflate-raw', maxFrameBytes: 1 << 30 });
  let chain: Promise<void> = Promise.resolve();
  const observed = observeConnector(inner, {
    received(bytes) {
      chain = chain.then(() => codec.decode(bytes).then((d) => onMessage(d.message), () => undefined));
    },
  });
  return { ...observed, settled: () => chain };
}
