import type { DatasetId } from '../core/dataset-id.ts';
import type { Hlc } from '../core/hlc.ts';
import type { OplogEntry } from '../core/oplog-entry.ts';
import type { AuthorHead } from '../store/oplog-store.ts';

/** Protocol version spoken by this build; a peer with another major version is refused at handshake. */
export const PROTOCOL_VERSION = 1;

export interface HandshakeRequest {
  readonly kind: 'handshakeRequest';
  readonly nodeId: string;
  readonly authToken: string;
  readonly compression: readonly string[];
  readonly collections: readonly string[];
  readonly datasetId: DatasetId;
  readonly extraDatasetIds: readonly DatasetId[];
  readonly protocolVersion: number;
  /** Hex of the sender's Ed25519 public key for `datasetId`; '' when it does not sign. */
  readonly publicKey: string;
  /** The sender never pulls on this connection: send it no HeadsAdvanced. */
  readonly pushOnly: boolean;
  /** HeadsAdvanced carrying entries the sender takes before it returns NoticeCredit; 0: no limit. */
  readonly noticeCredits: number;
}

export interface HandshakeResponse {
  readonly kind: 'handshakeResponse';
  readonly nodeId: string;
  readonly accepted: boolean;
  readonly compression: string;
  readonly collections: readonly string[];
  readonly datasetId: DatasetId;
  readonly grantedDatasetIds: readonly DatasetId[];
  /** Of grantedDatasetIds, those granted read-only: pulled, never pushed. */
  readonly readOnlyDatasetIds: readonly DatasetId[];
  readonly reason: string;
  readonly protocolVersion: number;
  readonly maxFrameBytes: number;
  /** The responder reads NoticeCredit, so the dialer may send it. */
  readonly takesNoticeCredit: boolean;
}

export interface VectorClockRequest {
  readonly kind: 'vectorClockRequest';
  readonly datasetId: DatasetId;
}

export interface VectorClockResponse {
  readonly kind: 'vectorClockResponse';
  readonly datasetId: DatasetId;
  readonly heads: readonly AuthorHead[];
  readonly boundaries: readonly AuthorHead[];
}

export interface PullChangesRequest {
  readonly kind: 'pullChangesRequest';
  readonly datasetId: DatasetId;
  /** Only this author's entries; null for all authors. */
  readonly author: string | null;
  /** Strictly after this (wall, logic); null from the start. */
  readonly since: Pick<Hlc, 'wall' | 'logic'> | null;
  readonly collections: readonly string[];
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export interface ChangeSet {
  readonly kind: 'changeSet';
  readonly datasetId: DatasetId;
  readonly entries: readonly OplogEntry[];
  readonly hasMore: boolean;
  readonly snapshotRequired: boolean;
}

export interface PushChangesRequest {
  readonly kind: 'pushChangesRequest';
  readonly datasetId: DatasetId;
  readonly entries: readonly OplogEntry[];
}

export interface Ack {
  readonly kind: 'ack';
  readonly datasetId: DatasetId;
  readonly success: boolean;
  readonly snapshotRequired: boolean;
  readonly applied: readonly AuthorHead[];
}

export interface ChainRangeRequest {
  readonly kind: 'chainRangeRequest';
  readonly datasetId: DatasetId;
  /** Hex hash; '' for the start of the author's chain. */
  readonly startHash: string;
  readonly endHash: string;
}

export interface ChainRangeResponse {
  readonly kind: 'chainRangeResponse';
  readonly datasetId: DatasetId;
  readonly entries: readonly OplogEntry[];
  readonly snapshotRequired: boolean;
}

export interface SnapshotRequest {
  readonly kind: 'snapshotRequest';
  readonly datasetId: DatasetId;
}

export interface SnapshotChunk {
  readonly kind: 'snapshotChunk';
  readonly datasetId: DatasetId;
  readonly data: Uint8Array;
  readonly isLast: boolean;
  readonly index: number;
}

export interface ErrorMessage {
  readonly kind: 'error';
  readonly code: string;
  readonly message: string;
  readonly datasetId: DatasetId;
}

export interface Ping {
  readonly kind: 'ping';
  readonly nonce: number;
}

export interface Pong {
  readonly kind: 'pong';
  readonly nonce: number;
}

/** Unasked and unanswered: the acceptor committed entries; the heads that advanced, and the entries when few. */
export interface HeadsAdvanced {
  readonly kind: 'headsAdvanced';
  readonly datasetId: DatasetId;
  readonly heads: readonly AuthorHead[];
  /** The committed entries in HLC order, each author's last one signed; empty when too many to carry. */
  readonly entries: readonly OplogEntry[];
}

/** Unasked and unanswered, dialer to acceptor: it handled that many notices with entries; carry more. */
export interface NoticeCredit {
  readonly kind: 'noticeCredit';
  readonly datasetId: DatasetId;
  readonly notices: number;
}

export type Message =
  | HandshakeRequest
  | HandshakeResponse
  | VectorClockRequest
  | VectorClockResponse
  | PullChangesRequest
  | ChangeSet
  | PushChangesRequest
  | Ack
  | ChainRangeRequest
  | ChainRangeResponse
  | SnapshotRequest
  | SnapshotChunk
  | ErrorMessage
  | Ping
  | Pong
  | HeadsAdvanced
  | NoticeCredit;

export type MessageKind = Message['kind'];

/** Frame type byte per message. Part of the wire contract: never renumber. */
export const MESSAGE_TYPES: Readonly<Record<MessageKind, number>> = {
  handshakeRequest: 1,
  handshakeResponse: 2,
  vectorClockRequest: 3,
  vectorClockResponse: 4,
  pullChangesRequest: 5,
  changeSet: 6,
  pushChangesRequest: 7,
  ack: 8,
  chainRangeRequest: 9,
  chainRangeResponse: 10,
  snapshotRequest: 11,
  snapshotChunk: 12,
  error: 13,
  ping: 14,
  pong: 15,
  headsAdvanced: 16,
  noticeCredit: 17,
};

export const KIND_BY_TYPE: ReadonlyMap<number, MessageKind> = new Map(
  Object.entries(MESSAGE_TYPES).map(([kind, type]) => [type, kind as MessageKind]),
);
