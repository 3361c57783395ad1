import { FrameCodec } from '../../src/protocol/frame-codec.ts';
import type { Message } from '../../src/protocol/messages.ts';
import type { Connector, Transport } from '../../src/protocol/transport.ts';

export interface TappedConnector extends Connector {
  /** Resolves once every frame seen so far has been decoded and reported. */
  settled(): Promise<void>;
}

/** Wraps a connector so a test can see every message the dialer receives (inflating compressed frames). */
export function tapConnector(inner: Connector, onMessage: (message: Message) => void): TappedConnector {
  const codec = new FrameCodec({ codec: 'deflate-raw', maxFrameBytes: 1 << 30 });
  let chain: Promise<void> = Promise.resolve();
  return {
    url: inner.url,
    token: inner.token,
    settled: () => chain,
    async connect(signal) {
      const transport = await inner.connect(signal);
      const tapped: Transport = {
        remote: transport.remote,
        get bufferedAmount() {
          return transport.bufferedAmount;
        },
        send: (frame) => transport.send(frame),
        close: (code, reason) => transport.close(code, reason),
        start(handlers) {
          transport.start({
            close: handlers.close,
            frame(bytes) {
              chain = chain.then(() => codec.decode(bytes).then((d) => onMessage(d.message), () => undefined));
              handlers.frame(bytes);
            },
          });
        },
      };
      return tapped;
    },
  };
}
