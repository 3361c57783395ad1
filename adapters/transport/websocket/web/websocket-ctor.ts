import type { WebSocketLike } from '../socket-transport.ts';

export type WebSocketCtor = new (url: string) => WebSocketLike;

/** Browsers, Deno, Bun and workers have a global WebSocket. */
export function defaultWebSocket(): WebSocketCtor | undefined {
  return (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
}
