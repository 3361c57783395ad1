import type { AcceptedSession } from '../../../src/sync/accepted-session.ts';
import type { PeerIdentity } from '../../../src/sync/peer-identity.ts';
import type { HibernatableWebSocket } from './workers-types.ts';

/**
 * What the runtime keeps beside each socket while the object hibernates (at most 16 KiB): the
 * socket's id, and once its handshake is accepted, who it is and what the handshake settled. The
 * principal's claims are left out: they were used for the grants at the handshake, nothing later
 * reads them, and a large token could overflow the limit.
 */
export interface SocketAttachment {
  readonly v: 1;
  readonly id: string;
  readonly remote: string;
  readonly live?: { readonly identity: PeerIdentity; readonly session: AcceptedSession };
}

export function readAttachment(socket: HibernatableWebSocket): SocketAttachment | undefined {
  const value = socket.deserializeAttachment() as SocketAttachment | null | undefined;
  if (value?.v !== 1 || typeof value.id !== 'string') return undefined;
  // Sockets accepted before read-only grants existed were granted read-write.
  const identity = value.live?.identity;
  if (identity && !Array.isArray(identity.readOnly)) return { ...value, live: { ...value.live!, identity: { ...identity, readOnly: [] } } };
  return value;
}

export function liveAttachment(base: SocketAttachment, identity: PeerIdentity, session: AcceptedSession): SocketAttachment {
  const { principal, nodeId, granted, readOnly, relay, authenticated } = identity;
  return { ...base, live: { identity: { principal: { id: principal.id, verified: principal.verified, claims: {} }, nodeId, granted: [...granted], readOnly: [...readOnly], relay, authenticated }, session } };
}
