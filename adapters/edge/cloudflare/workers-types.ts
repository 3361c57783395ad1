/*
 * The parts of the Workers runtime API this adapter uses, declared structurally: the package does
 * not depend on @cloudflare/workers-types, and an app's own copy of those types satisfies these.
 */

/** A server-side WebSocket accepted with the hibernation API. */
export interface HibernatableWebSocket {
  send(message: ArrayBuffer | ArrayBufferView | string): void;
  close(code?: number, reason?: string): void;
  /** Kept by the runtime across hibernation: at most 16 KiB once serialized. */
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}

export interface DurableObjectStorageLike {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number | Date): Promise<void>;
  readonly sql: unknown;
  transactionSync<T>(body: () => T): T;
}

export interface DurableObjectStateLike {
  readonly storage: DurableObjectStorageLike;
  acceptWebSocket(socket: HibernatableWebSocket, tags?: string[]): void;
  getWebSockets(tag?: string): HibernatableWebSocket[];
  blockConcurrencyWhile<T>(body: () => Promise<T>): Promise<T>;
}

export interface DurableObjectStubLike {
  fetch(request: Request): Promise<Response>;
}

export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): DurableObjectStubLike;
}

/** `new WebSocketPair()`: [client, server]. */
export type WebSocketPairCtor = new () => { 0: unknown; 1: HibernatableWebSocket };
