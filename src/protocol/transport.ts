/*
 * The transport port: a bidirectional channel of whole frames. WebSocket messages map one to one;
 * stream transports (WebTransport) length-prefix frames with FrameSplitter. Adapters live in
 * adapters/transport; the sync layer sees only this interface.
 */

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

export interface TransportHandlers {
  frame(bytes: Uint8Array): void;
  close(info: CloseInfo): void;
}

export interface Transport {
  /** Where the other end is, for logs and metrics. */
  readonly remote: string;
  /** Bytes handed to send() and not yet on the wire. */
  readonly bufferedAmount: number;
  /** Registers handlers; frames that arrived earlier are delivered now. */
  start(handlers: TransportHandlers): void;
  send(frame: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/**
 * A token to present: a string, or a function returning a fresh one (from your auth server, say).
 * A function is called on every dial, and again before the JWT it returned expires.
 */
export type TokenSource = string | (() => string | Promise<string>);

/** Dials a peer. Each dataset pipeline calls it for its own connection. */
export interface Connector {
  readonly url: string;
  /** Token presented in the handshake: a string, or a function called for a fresh one on each dial. */
  readonly token: TokenSource;
  /**
   * `target.datasetId` names the dataset the connection is for, before any frame is sent: a router
   * in front of the hubs (an edge Worker) can pick the hub for it. The handshake names it again.
   */
  connect(signal?: AbortSignal, target?: ConnectTarget): Promise<Transport>;
  /** Plain data from which a worker can build the same connector; undefined if it cannot. */
  describe?(): ConnectorDescriptor;
}

export interface ConnectTarget {
  readonly datasetId: string;
  /** The token this dial presents in its handshake: a router in front of the hubs may need it too. */
  readonly token?: string;
}

/**
 * JSON-safe description of a connector: its kind, URL and options, e.g. `{ kind: 'websocket', url, token }`.
 * A connector whose token is a function describes itself with `token: ''` and `tokenFromNode: true`:
 * the worker asks the node's thread for each token, and hands its opener a token function.
 */
export interface ConnectorDescriptor {
  readonly kind: string;
  readonly url: string;
  readonly token: string;
  readonly [option: string]: string | number | boolean | readonly string[] | undefined;
}

/** Close codes (WebSocket application range) used by sluice. */
export const CLOSE_CODES = {
  normal: 1000,
  protocolError: 4400,
  authFailed: 4401,
  notGranted: 4403,
  overloaded: 4429,
  deadPeer: 4408,
  shutdown: 4503,
} as const;
