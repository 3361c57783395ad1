import { SUPPORTED_CODECS, type Codec } from '../protocol/compression.ts';
import type { Connection } from './connection.ts';

/**
 * What a hub has to remember of an accepted connection's handshake to go on serving it without
 * another one. A hub that lives in memory keeps this in its Connection and Responder; an edge hub
 * that hibernates between messages (a Durable Object) loses both, keeps this beside the socket,
 * and rebuilds them when it wakes. Plain data, a few hundred bytes.
 */
export interface AcceptedSession {
  /** The key the peer's own pushes must be signed with ('' when it sent none). */
  readonly publicKey: string;
  /** The peer only uploads: commits are not announced to it. */
  readonly pushOnly: boolean;
  /** The notice window the peer asked for (0: no limit). */
  readonly noticeCredits: number;
  /** The negotiated compression ('' for none). */
  readonly compression: string;
}

/**
 * Sets an acceptor's connection up as its handshake left it. Notice credit starts again at the
 * full window: credit spent before a wake is forgotten, so a peer may be sent up to one window
 * more than it asked for, once; notices beyond its credit only carry heads, which is safe.
 */
export function restoreSession(connection: Connection, peerNodeId: string, session: AcceptedSession): void {
  connection.peerNodeId = peerNodeId;
  connection.wantsNotices = !session.pushOnly;
  connection.grantNoticeCredit(session.noticeCredits);
  connection.codec.codec = (SUPPORTED_CODECS as readonly string[]).includes(session.compression) ? (session.compression as Codec) : '';
}
