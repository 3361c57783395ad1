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

/** Dials a peer. Each dataset pipeline calls it for its own connection. */
export interface Connector {
  readonly url: string;
  /** Token presented in the handshake. */
  readonly token: string;
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
}

/** JSON-safe description of a connector: its kind, URL and options, e.g. `{ kind: 'websocket', url, token }`. */
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
