import { WebSocket as WsWebSocket } from 'ws';
import type { WebSocketLike } from '../socket-transport.ts';

export type WebSocketCtor = new (url: string) => WebSocketLike;

/** Node 20 has no global WebSocket (Node 22 has one): `ws` fills in. Chosen by the package's `node` import condition. */
export function defaultWebSocket(): WebSocketCtor {
  return (globalThis as { WebSocket?: WebSocketCtor }).WebSocket ?? (WsWebSocket as unknown as WebSocketCtor);
}
