import { DEFAULT_MAX_FRAME_BYTES } from '../../../src/protocol/frame.ts';
import { CLOSE_CODES } from '../../../src/protocol/transport.ts';
import { readHandshake, refusalAnswer, type Refusal } from '../../../src/runtime/handshake-refusal.ts';
import type { WebSocketPairCtor } from './workers-types.ts';

/** How long a refused socket waits for the handshake it answers. */
const REFUSAL_WAIT_MS = 10_000;

interface WorkerSocket {
  accept(): void;
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * Refuses a WebSocket upgrade in the Worker, without touching any object, the way a sluice hub
 * refuses a handshake: the socket opens, its handshake is answered with the refusal, and it closes
 * with the sluice close code (4401 auth_failed, 4403 dataset_not_granted, 4429 too_many_connections).
 * The client reports that code's error, as with a Node hub; an HTTP error status would only tell it
 * that the connection failed, and it would retry as if the hub were down.
 */
export function refusedUpgrade(code: number, refusal: Refusal): Response {
  const Pair = (globalThis as unknown as { WebSocketPair: WebSocketPairCtor }).WebSocketPair;
  const pair = new Pair();
  const socket = pair[1] as unknown as WorkerSocket;
  socket.accept();
  const reason = (refusal.notGranted ? `dataset_not_granted: ${refusal.reason}` : refusal.reason).slice(0, 120);
  const close = (closeCode: number, why: string) => {
    clearTimeout(timer);
    try {
      socket.close(closeCode, why);
    } catch {
      // already closed
    }
  };
  const timer = setTimeout(() => close(CLOSE_CODES.deadPeer, 'handshake_timeout'), REFUSAL_WAIT_MS);
  socket.addEventListener('message', (event) => {
    if (!(event.data instanceof ArrayBuffer)) return close(CLOSE_CODES.protocolError, 'expected a handshake');
    const read = readHandshake(new Uint8Array(event.data), DEFAULT_MAX_FRAME_BYTES);
    try {
      socket.send('error' in read ? read.error : refusalAnswer(read.handshake, read.requestId, { nodeId: '', maxFrameBytes: DEFAULT_MAX_FRAME_BYTES }, refusal));
    } catch {
      // the peer left already
    }
    close(code, reason);
  });
  return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit);
}
