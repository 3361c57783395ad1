import type { DatasetId } from '../core/dataset-id.ts';
import type { CloseInfo, Transport, TransportHandlers } from '../protocol/transport.ts';
import { decodeFrame } from '../protocol/wire-codec.ts';

/**
 * Holds a freshly accepted transport until its first frame (the handshake, never compressed) says
 * which dataset the peer wants, then hands the transport on with that frame replayed. Each
 * connection carries one dataset pipeline, so this is enough to route it to the worker running it.
 */
export function routeByHandshake(transport: Transport, maxFrameBytes: number, route: (datasetId: DatasetId | null, transport: Transport) => void): void {
  const early: Uint8Array[] = [];
  let closed: CloseInfo | undefined;
  let downstream: TransportHandlers | undefined;
  let routed = false;

  const replay: Transport = {
    remote: transport.remote,
    get bufferedAmount() {
      return transport.bufferedAmount;
    },
    send: (frame) => transport.send(frame),
    close: (code, reason) => transport.close(code, reason),
    start(handlers) {
      downstream = handlers;
      for (const f of early.splice(0)) handlers.frame(f);
      if (closed) handlers.close(closed);
    },
  };

  transport.start({
    frame(bytes) {
      if (downstream) {
        downstream.frame(bytes);
        return;
      }
      early.push(bytes);
      if (routed) return;
      routed = true;
      let datasetId: DatasetId | null = null;
      try {
        const first = decodeFrame(bytes, maxFrameBytes).message;
        if (first.kind === 'handshakeRequest') datasetId = first.datasetId;
      } catch {
        // Not a handshake: the in-process responder answers it with the right error.
      }
      route(datasetId, replay);
    },
    close(info) {
      closed = info;
      downstream?.close(info);
    },
  });
}
