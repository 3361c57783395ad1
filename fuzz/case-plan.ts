import type { DatasetId } from '../src/core/dataset-id.ts';
import type { DecodedFrame } from '../src/protocol/wire-codec.ts';

/*
 * What one fuzz case does, as data: the scenario generator writes plans, the socket runners carry
 * them out, and the report quotes them when a check fails. A case is one connection to the hub.
 */

/** One WebSocket message the fuzzer sends. */
export interface Outgoing {
  /** Binary frame bytes, or a string sent as a text message. */
  readonly data: Uint8Array | string;
  /** What this message is, for the report ("replayed handshake of fz-honest-a", "bitflip ..."). */
  readonly note: string;
}

/**
 * Answers a request the hub sends us while handling ours (a chain range or a snapshot, when a push
 * does not link to what the hub holds). Returning [] leaves the hub waiting.
 */
export type HubRequestHandler = (request: DecodedFrame) => Outgoing[];

/** A case over a normal WebSocket client. */
export interface SocketPlan {
  readonly type: 'socket';
  readonly frames: readonly Outgoing[];
  readonly onHubRequest?: HubRequestHandler;
  /**
   * A harmless request sent last: its answer proves the hub has handled everything before it
   * (requests on a connection are handled in order). Left out when the socket is cut on purpose.
   */
  readonly probe?: Outgoing & { readonly requestId: number };
  /** Cut the TCP connection right after sending, without a close handshake. */
  readonly abrupt?: boolean;
}

/** A case below the WebSocket library: raw bytes on the TCP connection after the HTTP upgrade. */
export interface RawPlan {
  readonly type: 'raw';
  /** Written in order; each is one (possibly partial or malformed) WebSocket frame. */
  readonly chunks: readonly Outgoing[];
  /** destroy: cut the connection after writing; wait: let the hub close it (bounded by the case timeout). */
  readonly then: 'destroy' | 'wait';
}

export type AuthMode = 'first' | 'token' | 'wrong-token' | 'attacker-id';

export interface FuzzCase {
  readonly index: number;
  readonly batch: number;
  /** The mutation or hostile-message kind: the key of the summary's per-kind counts. */
  readonly kind: string;
  readonly family: 'bytes' | 'hostile' | 'raw';
  readonly datasetId: DatasetId;
  /** How the socket starts: hostile frame first, replayed handshake, wrong token, or a fresh identity. */
  readonly auth: AuthMode;
  /** The node id the connection declared in its handshake ('' when none). */
  readonly declaredId: string;
  readonly detail: string;
  readonly plan: SocketPlan | RawPlan;
}

export interface CaseOutcome {
  /** Every message put on the wire, replies to the hub's requests and the probe included. */
  readonly sent: readonly Outgoing[];
  readonly endedBy: 'probe-answered' | 'hub-closed' | 'cut' | 'timeout' | 'connect-failed';
  readonly closeCode?: number;
  readonly closeReason?: string;
  /** Kinds of the requests the hub sent us (chainRangeRequest, snapshotRequest). */
  readonly hubRequests: readonly string[];
  /** Error codes the hub answered with, in order. */
  readonly errors: readonly string[];
  readonly ms: number;
}
